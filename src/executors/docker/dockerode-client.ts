/** ContainerClient over dockerode: the only file that touches the library. */
import type { Readable } from 'node:stream'
import Docker from 'dockerode'
import { GlrunnerError } from '../../core/errors.js'
import type { AttachedStreams, ContainerClient, ContainerSpec, EngineAddress, ImageInfo, ListedObject } from './container-client.js'
import { containerCreateOptions } from './create-options.js'
import { modemOptions } from './modem-options.js'

/** Builds a client for `[runners.docker] host` / DOCKER_HOST (unix socket or tcp, TLS). */
export function createDockerodeClient(address: EngineAddress): ContainerClient {
  return new DockerodeClient(new Docker(modemOptions(address)))
}

function statusCode(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode

  return typeof code === 'number' ? code : undefined
}

async function ignoreNotFound(action: Promise<unknown>): Promise<void> {
  try {
    await action
  } catch (err) {
    if (statusCode(err) !== 404 && statusCode(err) !== 304) throw err
  }
}

/** Splits Docker's multiplexed stream (8-byte frame headers) into stdout and stderr. */
function demux(stream: NodeJS.ReadableStream, stdout: (chunk: Buffer) => void, stderr: (chunk: Buffer) => void): Promise<void> {
  let pending: Buffer = Buffer.alloc(0)

  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4)
        if (pending.length < 8 + size) break
        const payload = pending.subarray(8, 8 + size)
        if (pending[0] === 2) stderr(payload)
        else stdout(payload)
        pending = pending.subarray(8 + size)
      }
    })
    stream.on('end', () => resolve())
    stream.on('close', () => resolve())
    stream.on('error', () => resolve())
  })
}

const filters = (labels: string[]): string => JSON.stringify({ label: labels })

interface PullEvent {
  status?: string
  id?: string
  error?: string
  errorDetail?: { message?: string }
}

/**
 * An error the engine reported, worded like the docker CLI ("Error response from daemon:
 * …") rather than dockerode's "(HTTP code 500) server error - … ", so the job log shows
 * the registry's own words (`no basic auth credentials`, `unknown blob`).
 */
export class EngineError extends GlrunnerError {
  readonly statusCode: number | undefined

  constructor(source: unknown) {
    const text = typeof source === 'string' ? source : source instanceof Error ? source.message : String(source)
    const daemon = /^\(HTTP code \d+\) [^-]*- ([\s\S]*)$/.exec(text)?.[1]?.trim()
    super('GLR_DOCKER_ENGINE', `Error response from daemon: ${daemon ?? text.trim()}`)
    this.statusCode = statusCode(source)
  }
}

class DockerodeClient implements ContainerClient {
  constructor(private readonly docker: Docker) {}

  async ping(): Promise<void> {
    await this.docker.ping()
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect()
      const ports = Object.keys(info.Config?.ExposedPorts ?? {})
        .filter((port) => port.endsWith('/tcp') || !port.includes('/'))
        .map((port) => Number.parseInt(port, 10))
        .filter((port) => Number.isInteger(port) && port > 0)

      return { id: info.Id, repoDigests: info.RepoDigests ?? [], entrypoint: toList(info.Config?.Entrypoint), exposedTcpPorts: ports }
    } catch (err) {
      if (statusCode(err) === 404) return undefined
      throw err
    }
  }

  async pullImage(ref: string, auth: Docker.AuthConfig | undefined, onProgress: (line: string) => void, signal: AbortSignal): Promise<void> {
    let stream: NodeJS.ReadableStream
    try {
      stream = (await this.docker.pull(ref, { ...(auth !== undefined ? { authconfig: auth } : {}), abortSignal: signal })) as NodeJS.ReadableStream
    } catch (err) {
      // Only an answer from the engine becomes an EngineError; a socket error stays as it is.
      throw signal.aborted || statusCode(err) === undefined ? err : new EngineError(err)
    }
    // The engine answers 200 and then reports a failed pull (a missing or corrupt layer, a
    // registry refusing a blob) as an `error` event in the stream, and followProgress still
    // finishes without an error: the first such event is what the pull failed with.
    let streamError: string | undefined
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null) => (err === null ? resolve() : reject(err)),
        (event: PullEvent) => {
          if (event.error !== undefined || event.errorDetail?.message !== undefined) {
            streamError ??= event.errorDetail?.message ?? event.error
            return
          }
          // Byte counters change many times a second; the log keeps only status changes.
          if (event.status === 'Downloading' || event.status === 'Extracting') return
          if (event.status !== undefined) onProgress(event.id !== undefined ? `${event.id}: ${event.status}` : event.status)
        },
      )
    })
    // An aborted request may end the stream as if the pull were done.
    signal.throwIfAborted()
    if (streamError !== undefined) throw new EngineError(streamError)
  }

  async importImage(tar: Readable, ref: string, changes: string[]): Promise<void> {
    const [repo, tag] = splitTag(ref)
    const stream = await this.docker.importImage(tar, { repo, tag, changes })
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null) => (err === null ? resolve() : reject(err)))
    })
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const container = await this.docker.createContainer(containerCreateOptions(spec))

    return container.id
  }

  async startContainer(id: string): Promise<void> {
    await ignoreNotModified(this.docker.getContainer(id).start())
  }

  async attach(id: string, stdout: (chunk: Buffer) => void, stderr: (chunk: Buffer) => void): Promise<AttachedStreams> {
    const stream = (await this.docker.getContainer(id).attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream & import('node:stream').Duplex

    return { stdin: stream, done: demux(stream, stdout, stderr) }
  }

  async waitContainer(id: string): Promise<number> {
    const result = (await this.docker.getContainer(id).wait({ condition: 'not-running' })) as { StatusCode: number }

    return result.StatusCode
  }

  async killContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).kill()
    } catch (err) {
      // 409: not running any more; 404: gone. Either way nothing is left to kill.
      if (statusCode(err) !== 409 && statusCode(err) !== 404) throw err
    }
  }

  async removeContainer(id: string): Promise<void> {
    await ignoreNotFound(this.docker.getContainer(id).remove({ force: true, v: true }))
  }

  async containerLogs(id: string): Promise<string> {
    const raw = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false, tail: 100 })) as unknown as Buffer
    const parts: Buffer[] = []
    let rest = Buffer.from(raw)
    while (rest.length >= 8 && rest[1] === 0 && rest[2] === 0 && rest[3] === 0) {
      const size = rest.readUInt32BE(4)
      parts.push(rest.subarray(8, 8 + size))
      rest = rest.subarray(8 + size)
    }
    if (rest.length > 0) parts.push(rest)

    return Buffer.concat(parts).toString('utf8')
  }

  async createNetwork(name: string, labels: Record<string, string>, mtu: number): Promise<string> {
    const network = await this.docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      Labels: labels,
      CheckDuplicate: true,
      ...(mtu > 0 ? { Options: { 'com.docker.network.driver.mtu': String(mtu) } } : {}),
    })

    return network.id
  }

  async removeNetwork(id: string): Promise<void> {
    await ignoreNotFound(this.docker.getNetwork(id).remove())
  }

  async networkGateway(id: string): Promise<string | undefined> {
    const info = (await this.docker.getNetwork(id).inspect()) as { IPAM?: { Config?: Array<{ Gateway?: string }> } }

    return info.IPAM?.Config?.map((config) => config.Gateway ?? '').find((gateway) => /^\d+\.\d+\.\d+\.\d+$/.test(gateway))
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.docker.createVolume({ Name: name, Labels: labels })
  }

  async removeVolume(name: string): Promise<void> {
    await ignoreNotFound(this.docker.getVolume(name).remove({ force: true }))
  }

  async listContainers(labels: string[]): Promise<ListedObject[]> {
    const list = await this.docker.listContainers({ all: true, filters: filters(labels) })

    return list.map((item) => ({ id: item.Id, labels: item.Labels ?? {} }))
  }

  async listNetworks(labels: string[]): Promise<ListedObject[]> {
    const list = await this.docker.listNetworks({ filters: filters(labels) })

    return list.map((item) => ({ id: item.Id, labels: item.Labels ?? {} }))
  }

  async listVolumes(labels: string[]): Promise<ListedObject[]> {
    const list = await this.docker.listVolumes({ filters: filters(labels) })

    return (list.Volumes ?? []).map((item) => ({ id: item.Name, labels: item.Labels ?? {} }))
  }

  async getArchive(id: string, path: string): Promise<Readable | undefined> {
    try {
      return (await this.docker.getContainer(id).getArchive({ path })) as Readable
    } catch (err) {
      if (statusCode(err) === 404) return undefined
      throw err
    }
  }

  async putArchive(id: string, path: string, tar: Readable): Promise<void> {
    await this.docker.getContainer(id).putArchive(tar, { path })
  }
}

async function ignoreNotModified(action: Promise<unknown>): Promise<void> {
  try {
    await action
  } catch (err) {
    if (statusCode(err) !== 304) throw err
  }
}

function splitTag(ref: string): [string, string] {
  const slash = ref.lastIndexOf('/')
  const colon = ref.lastIndexOf(':')
  if (colon > slash) return [ref.slice(0, colon), ref.slice(colon + 1)]

  return [ref, 'latest']
}

function toList(value: string | string[] | null | undefined): string[] {
  if (value === null || value === undefined) return []

  return typeof value === 'string' ? [value] : value
}
