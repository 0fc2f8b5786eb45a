/**
 * The Docker side of cleanup: cache volumes the docker executor created
 * (`com.gitlab.gitlab-runner.type=cache`) and images glrunner built
 * (`com.gitlab.gitlab-runner.managed=true`), older than the threshold. The engine refuses
 * to remove what a container still uses; those are kept and reported. With no engine
 * reachable the step is skipped, not failed.
 */
import type Docker from 'dockerode'
import { formatError } from '../core/errors.js'
import { formatAge } from './disk-cleanup.js'

export interface DockerCleanupItem {
  kind: 'volume' | 'image'
  name: string
  action: 'remove' | 'keep'
  reason: string
}

export interface DockerCleanupResult {
  /** Why the Docker step did not run, when it did not. */
  skipped?: string
  items: DockerCleanupItem[]
}

export async function cleanDocker(o: { olderThanMs: number; dryRun: boolean; now?: number; docker?: Docker }): Promise<DockerCleanupResult> {
  // Loaded here, not at start-up: see executors/docker/connect-engine.ts.
  const docker = o.docker ?? new (await import('dockerode')).default()
  const now = o.now ?? Date.now()
  try {
    await docker.ping()
  } catch (err) {
    return { skipped: `no Docker engine answers (${formatError(err)})`, items: [] }
  }

  const items: DockerCleanupItem[] = []
  const volumes = (await docker.listVolumes({ filters: JSON.stringify({ label: ['com.gitlab.gitlab-runner.type=cache'] }) })).Volumes ?? []
  for (const volume of volumes) {
    const created = Date.parse((volume as { CreatedAt?: string }).CreatedAt ?? '')
    items.push(await decide('volume', volume.Name, Number.isNaN(created) ? now : created, () => docker.getVolume(volume.Name).remove(), o, now))
  }
  const images = await docker.listImages({ filters: JSON.stringify({ label: ['com.gitlab.gitlab-runner.managed=true'] }) })
  for (const image of images) {
    const name = image.RepoTags?.[0] ?? image.Id
    items.push(await decide('image', name, image.Created * 1000, () => docker.getImage(image.Id).remove(), o, now))
  }

  return { items }
}

async function decide(kind: 'volume' | 'image', name: string, createdMs: number, remove: () => Promise<unknown>, o: { olderThanMs: number; dryRun: boolean }, now: number): Promise<DockerCleanupItem> {
  const ageMs = now - createdMs
  if (ageMs < o.olderThanMs) return { kind, name, action: 'keep', reason: `created ${formatAge(ageMs)} ago` }
  if (o.dryRun) return { kind, name, action: 'remove', reason: `created ${formatAge(ageMs)} ago` }
  try {
    await remove()

    return { kind, name, action: 'remove', reason: `created ${formatAge(ageMs)} ago` }
  } catch (err) {
    // 409: a container uses it — exactly what must be kept.
    return { kind, name, action: 'keep', reason: `the engine refused: ${formatError(err)}` }
  }
}
