/**
 * The narrow slice of the Docker Engine API the executor uses. Only dockerode-client.ts
 * knows dockerode; everything else speaks these types, so the executor's logic reads in
 * Docker's own terms and a different client could replace the library.
 */
import type { Readable, Writable } from 'node:stream'

export interface ImageInfo {
  id: string
  repoDigests: string[]
  entrypoint: string[]
  /** TCP ports the image exposes (`EXPOSE 80/tcp`). */
  exposedTcpPorts: number[]
}

export interface RegistryAuth {
  username: string
  password: string
  serveraddress: string
}

export interface MountSpec {
  /** `source:target[:mode]` as docker's Binds; a source without `/` is a named volume. */
  binds: string[]
  tmpfs: Record<string, string>
}

export interface ContainerSpec {
  name: string
  image: string
  /** Replaces the image's entrypoint; `[]` keeps it, `['']` clears it. */
  entrypoint: string[]
  cmd: string[]
  env: string[]
  labels: Record<string, string>
  user?: string
  hostname?: string
  workingDir?: string
  /** Attachable stdin that closes when the attached client closes it (one script per start). */
  openStdin: boolean
  mounts: MountSpec
  /** Network to join with DNS aliases, or a mode (`host`, `none`, `bridge`). */
  network: { name: string; aliases: string[] }
  privileged: boolean
  capAdd: string[]
  capDrop: string[]
  securityOpt: string[]
  devices: string[]
  memoryBytes: number
  memorySwapBytes: number
  memoryReservationBytes: number
  nanoCpus: number
  cpusetCpus: string
  cpuShares: number
  shmSizeBytes: number
  dns: string[]
  dnsSearch: string[]
  extraHosts: string[]
  sysctls: Record<string, string>
  ulimits: Array<{ name: string; soft: number; hard: number }>
}

/** A hijacked attach: stdin to write the script to, and Docker's multiplexed output. */
export interface AttachedStreams {
  stdin: Writable
  /** Demultiplexed into the two sinks by the client. */
  done: Promise<void>
}

export interface ListedObject {
  id: string
  labels: Record<string, string>
}

export interface ContainerClient {
  /** Fails when the engine does not answer. */
  ping(): Promise<void>
  inspectImage(ref: string): Promise<ImageInfo | undefined>
  /** Pulls `ref`; `onProgress` gets each status line Docker reports. */
  pullImage(ref: string, auth: RegistryAuth | undefined, onProgress: (line: string) => void, signal: AbortSignal): Promise<void>
  /** `docker import` of a root file system tarball as `ref`. */
  importImage(tar: Readable, ref: string, changes: string[]): Promise<void>
  createContainer(spec: ContainerSpec): Promise<string>
  startContainer(id: string): Promise<void>
  /** Attaches stdin/stdout/stderr before a start; output goes to the two sinks. */
  attach(id: string, stdout: (chunk: Buffer) => void, stderr: (chunk: Buffer) => void): Promise<AttachedStreams>
  /** Resolves with the exit code once the container is not running. */
  waitContainer(id: string): Promise<number>
  killContainer(id: string): Promise<void>
  /** Force-removes the container and its anonymous volumes; a missing one is fine. */
  removeContainer(id: string): Promise<void>
  containerLogs(id: string): Promise<string>
  createNetwork(name: string, labels: Record<string, string>, mtu: number): Promise<string>
  removeNetwork(id: string): Promise<void>
  /** The IPv4 gateway of a network (the host's address on it); undefined when it has none. */
  networkGateway?(id: string): Promise<string | undefined>
  createVolume(name: string, labels: Record<string, string>): Promise<void>
  removeVolume(name: string): Promise<void>
  listContainers(labelFilters: string[]): Promise<ListedObject[]>
  listNetworks(labelFilters: string[]): Promise<ListedObject[]>
  listVolumes(labelFilters: string[]): Promise<ListedObject[]>
  /** A tar stream of `path` in the container; undefined when the path does not exist. */
  getArchive(id: string, path: string): Promise<Readable | undefined>
  /** Extracts a tar stream into the existing directory `path` of the container. */
  putArchive(id: string, path: string, tar: Readable): Promise<void>
}

/** How to reach the engine: `[runners.docker] host` / DOCKER_HOST, optional TLS dir. */
export interface EngineAddress {
  host: string
  tlsCertPath: string
  tlsVerify: boolean
}

/** True for an engine on this machine (unix socket), where host paths mean the same. */
export function isLocalEngine(address: EngineAddress): boolean {
  const host = address.host || process.env.DOCKER_HOST || ''

  return host === '' || host.startsWith('unix://') || host.startsWith('/')
}
