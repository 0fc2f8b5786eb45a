/**
 * A ContainerSpec in the Engine API's terms (POST /containers/create), kept apart from the
 * client so the mapping of every `[runners.docker]` key can be checked without an engine.
 */
import type Docker from 'dockerode'
import type { ContainerSpec } from './container-client.js'

const NETWORK_MODES = new Set(['host', 'none', 'bridge', 'default'])

export function containerCreateOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const joinsNetwork = !NETWORK_MODES.has(spec.network.name) && !spec.network.name.startsWith('container:')

  return {
    name: spec.name,
    Image: spec.image,
    ...(spec.entrypoint.length > 0 ? { Entrypoint: spec.entrypoint } : {}),
    Cmd: spec.cmd,
    Env: spec.env,
    Labels: spec.labels,
    ...(spec.user ? { User: spec.user } : {}),
    ...(spec.hostname ? { Hostname: spec.hostname } : {}),
    ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    OpenStdin: spec.openStdin,
    StdinOnce: spec.openStdin,
    AttachStdin: spec.openStdin,
    AttachStdout: spec.openStdin,
    AttachStderr: spec.openStdin,
    Tty: false,
    HostConfig: {
      Binds: spec.mounts.binds,
      Tmpfs: spec.mounts.tmpfs,
      NetworkMode: spec.network.name,
      Privileged: spec.privileged,
      CapAdd: spec.capAdd,
      CapDrop: spec.capDrop,
      SecurityOpt: spec.securityOpt,
      Devices: spec.devices.map(deviceMapping),
      Memory: spec.memoryBytes,
      MemorySwap: spec.memorySwapBytes,
      MemoryReservation: spec.memoryReservationBytes,
      NanoCpus: spec.nanoCpus,
      CpusetCpus: spec.cpusetCpus,
      CpuShares: spec.cpuShares,
      ...(spec.shmSizeBytes > 0 ? { ShmSize: spec.shmSizeBytes } : {}),
      Dns: spec.dns,
      DnsSearch: spec.dnsSearch,
      ExtraHosts: spec.extraHosts,
      Sysctls: spec.sysctls,
      Ulimits: spec.ulimits.map((item) => ({ Name: item.name, Soft: item.soft, Hard: item.hard })),
      RestartPolicy: { Name: 'no' },
    },
    ...(joinsNetwork ? { NetworkingConfig: { EndpointsConfig: { [spec.network.name]: { Aliases: spec.network.aliases } } } } : {}),
  }
}

/** `docker run --device` syntax: `host[:container[:permissions]]`. */
function deviceMapping(text: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const [host = '', container, permissions] = text.split(':')

  return { PathOnHost: host, PathInContainer: container || host, CgroupPermissions: permissions || 'rwm' }
}
