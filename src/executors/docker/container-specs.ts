/** The resource and security parts of container specs, from `[runners.docker]`. */
import { ConfigError } from '../../core/errors.js'
import type { ContainerSpec } from './container-client.js'
import { parseNanoCpus, parseSizeBytes, type DockerSettings } from './docker-settings.js'
import { typedLabels, type JobNames } from './job-names.js'
import { detectShellScript } from './stage-container.js'

export type HostSettings = Omit<ContainerSpec, 'name' | 'image' | 'entrypoint' | 'cmd' | 'env' | 'labels' | 'network' | 'openStdin' | 'mounts' | 'user' | 'workingDir'>

/** `nofile = "1024:2048"` (soft:hard, or one number for both). */
function ulimits(map: Record<string, string>): ContainerSpec['ulimits'] {
  return Object.entries(map).map(([name, value]) => {
    const [soft = '', hard = soft] = value.split(':')
    const parsed = { name, soft: Number(soft), hard: Number(hard) }
    if (!Number.isInteger(parsed.soft) || !Number.isInteger(parsed.hard)) {
      throw new ConfigError(`[runners.docker] ulimit.${name}: invalid value ${JSON.stringify(value)}`)
    }

    return parsed
  })
}

/** Limits and security options of the build container (and, for services, their own keys). */
export function hostSettings(settings: DockerSettings, forService: boolean): HostSettings {
  return {
    hostname: forService ? '' : settings.hostname,
    privileged: forService ? (settings.services_privileged ?? settings.privileged) : settings.privileged,
    capAdd: settings.cap_add,
    capDrop: settings.cap_drop,
    securityOpt: settings.security_opt,
    devices: forService ? [] : settings.devices,
    memoryBytes: forService ? 0 : parseSizeBytes('memory', settings.memory),
    memorySwapBytes: forService ? 0 : parseSizeBytes('memory_swap', settings.memory_swap),
    memoryReservationBytes: forService ? 0 : parseSizeBytes('memory_reservation', settings.memory_reservation),
    nanoCpus: forService ? 0 : parseNanoCpus(settings.cpus),
    cpusetCpus: forService ? '' : settings.cpuset_cpus,
    cpuShares: forService ? 0 : (settings.cpu_shares ?? 0),
    shmSizeBytes: settings.shm_size,
    dns: settings.dns,
    dnsSearch: settings.dns_search,
    extraHosts: settings.extra_hosts,
    sysctls: settings.sysctls,
    ulimits: ulimits(settings.ulimit),
  }
}

/** Settings for helper and wait containers: no user limits, not privileged. */
export function plainHostSettings(settings: DockerSettings): HostSettings {
  return { ...hostSettings(settings, true), privileged: false, capAdd: [], capDrop: [], securityOpt: [], sysctls: {} }
}

export interface StageSpecInput {
  kind: 'build' | 'predefined'
  settings: DockerSettings
  names: JobNames
  /** The build image with its tag; the predefined container uses `helper` when set. */
  buildImage: string
  buildEntrypoint: string[]
  helper: { image: string; binds: string[] } | undefined
  env: string[]
  binds: string[]
  network: string
  /** `[runners.docker] user` or the job's `image:docker:user`; build container only. */
  user: string
  /**
   * Whether the build container runs privileged, after allowed_privileged_images
   * (image-policy.ts privilegedFor); `[runners.docker] privileged` when absent.
   */
  buildPrivileged?: boolean
}

/**
 * The spec of a stage container (executors.md 4.8). The build container gets every limit
 * and security key of `[runners.docker]`, `hostname`, `tmpfs` and `user`; the predefined
 * (helper) container runs unprivileged without the user's limits, as the official helper.
 */
export function stageContainerSpec(input: StageSpecInput): ContainerSpec {
  const { kind, settings } = input
  const helper = kind === 'predefined' ? input.helper : undefined
  // Files the helper writes must stay writable for the build image's user (4.1).
  const command = kind === 'predefined' ? `umask 0000\n${detectShellScript()}` : detectShellScript()

  return {
    ...(kind === 'build' ? hostSettings(settings, false) : plainHostSettings(settings)),
    ...(kind === 'build' && input.buildPrivileged !== undefined ? { privileged: input.buildPrivileged } : {}),
    name: `${input.names.base}-${kind}`,
    image: helper?.image ?? input.buildImage,
    entrypoint: helper !== undefined ? [''] : input.buildEntrypoint,
    cmd: ['sh', '-c', command],
    env: input.env,
    labels: typedLabels(input.names, kind),
    ...(kind === 'build' && input.user !== '' ? { user: input.user } : {}),
    openStdin: true,
    mounts: { binds: [...input.binds, ...(helper?.binds ?? [])], tmpfs: kind === 'build' ? settings.tmpfs : {} },
    network: { name: input.network, aliases: [] },
  }
}

/** What every service container shares (4.5): services' own keys, the job's volumes. */
export function serviceBaseSpec(settings: DockerSettings, binds: string[]): HostSettings & Pick<ContainerSpec, 'openStdin' | 'mounts'> {
  return { ...hostSettings(settings, true), openStdin: false, mounts: { binds, tmpfs: settings.services_tmpfs } }
}
