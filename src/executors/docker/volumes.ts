/**
 * The mounts every container of a job shares (executors.md 4.7): the builds dir, the cache
 * volumes from `volumes`, bind mounts and named volumes. Persistent per-project volumes are
 * kept between jobs; per-job volumes are removed by the executor's cleanup.
 */
import { mkdir } from 'node:fs/promises'
import { posix } from 'node:path'
import { ConfigError } from '../../core/errors.js'
import type { ContainerClient } from './container-client.js'
import type { DockerSettings } from './docker-settings.js'
import { cacheDirSuffix, cacheVolumeName, LABEL_PREFIX, typedLabels, type JobNames } from './job-names.js'

export interface JobVolumes {
  binds: string[]
  /** Volumes created for this job only: removed at cleanup. */
  temporary: string[]
}

export interface VolumePlanInput {
  client: ContainerClient
  settings: DockerSettings
  names: JobNames
  buildsDir: string
  /** GIT_STRATEGY=fetch keeps the builds volume per project so fetch can reuse the tree. */
  persistentBuilds: boolean
  isProtected: boolean
}

interface ParsedVolume {
  source: string
  target: string
  mode: string
}

/** `"/path"` (a cache volume), `"host:ctr[:mode]"`, `"name:/ctr[:mode]"`. */
export function parseVolume(entry: string): ParsedVolume {
  const parts = entry.split(':')
  if (parts.length === 1) return { source: '', target: parts[0] ?? '', mode: '' }
  if (parts.length === 2 || parts.length === 3) return { source: parts[0] ?? '', target: parts[1] ?? '', mode: parts[2] ?? '' }
  throw new ConfigError(`[runners.docker] volumes: invalid volume specification ${JSON.stringify(entry)}`)
}

export async function prepareVolumes(input: VolumePlanInput): Promise<JobVolumes> {
  const { settings } = input
  const result: JobVolumes = { binds: [], temporary: [] }
  const targets: string[] = []

  for (const entry of settings.volumes) {
    const volume = parseVolume(entry)
    if (!posix.isAbsolute(volume.target)) throw new ConfigError(`[runners.docker] volumes: ${JSON.stringify(entry)} must name an absolute container path`)
    targets.push(posix.normalize(volume.target))
    if (volume.source !== '') {
      result.binds.push(volume.mode === '' ? `${volume.source}:${volume.target}` : `${volume.source}:${volume.target}:${volume.mode}`)
      continue
    }
    result.binds.push(await cacheMount(input, result, volume.target, !settings.disable_cache))
  }

  // A user volume that already covers the builds dir wins (a host-mounted builds dir).
  const covered = targets.some((target) => target === posix.normalize(input.buildsDir) || input.buildsDir.startsWith(`${target}/`))
  if (!covered) result.binds.push(await cacheMount(input, result, input.buildsDir, input.persistentBuilds && !settings.disable_cache))

  return result
}

async function cacheMount(input: VolumePlanInput, result: JobVolumes, target: string, persistent: boolean): Promise<string> {
  const { settings, names } = input
  if (settings.cache_dir !== '' && persistent) {
    const hostDir = posix.join(settings.cache_dir, names.realUnique, cacheDirSuffix(target))
    await mkdir(hostDir, { recursive: true })

    return `${hostDir}:${target}`
  }

  const name = cacheVolumeName(persistent ? names.realUnique : names.base, target, input.isProtected)
  const labels = typedLabels(names, 'cache', {
    [`${LABEL_PREFIX}.destination`]: target,
    [`${LABEL_PREFIX}.protected`]: String(input.isProtected),
    [`${LABEL_PREFIX}.reusable`]: String(persistent),
  })
  // Creating an existing volume is a no-op that keeps its first labels: fine for reuse.
  await input.client.createVolume(name, labels)
  if (!persistent) result.temporary.push(name)

  return `${name}:${target}`
}
