/** The resource and security parts of container specs, from `[runners.docker]`. */
import { ConfigError } from '../../core/errors.js'
import type { ContainerSpec } from './container-client.js'
import { parseNanoCpus, parseSizeBytes, type DockerSettings } from './docker-settings.js'

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
