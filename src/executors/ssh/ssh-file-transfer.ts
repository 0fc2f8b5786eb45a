/**
 * Moves files between the remote project dir and a local folder as tar streams over exec
 * channels of the job's own SSH connection. Needs `tar` on both ends (every POSIX system
 * has one) and nothing of glrunner on the remote host — unlike the official runner, which
 * needs its own binary there for cache and artifacts.
 */
import { spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import type { Client, ClientChannel } from 'ssh2'
import { GlrunnerError } from '../../core/errors.js'
import { quotePosix } from '../../shells/quote.js'
import type { BuildFileTransfer } from '../executor.js'
import { execChannel, remoteExit } from './remote-process.js'

export class SshTransferError extends GlrunnerError {
  constructor(action: string, detail: string) {
    super('GLR_SSH_TRANSFER', `${action}: ${detail}`, { failureReason: 'runner_system_failure' })
  }
}

/** A relative path as a tar operand that cannot be read as an option. */
function operand(path: string): string {
  return path.startsWith('-') ? `./${path}` : path
}

interface Ended {
  code: number | null
  /** Set when the process died from a signal (e.g. SIGPIPE). */
  signal?: string | null
  stderr: string
}

/**
 * The writing tar may die of SIGPIPE when the reading tar has seen the end-of-archive
 * blocks and quit before the padding after them: harmless once the reader succeeded.
 */
function endedWell(ended: Ended, otherSide: Ended): boolean {
  if (ended.code === 0) return true

  return ended.code === null && /^(SIG)?PIPE$/.test(ended.signal ?? '') && otherSide.code === 0
}

function channelEnded(channel: ClientChannel): Promise<Ended> {
  channel.on('error', () => undefined)
  const stderr: Buffer[] = []
  channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))

  return new Promise((resolve) => channel.once('close', () => resolve({ ...remoteExit(channel), stderr: Buffer.concat(stderr).toString('utf8').trim() })))
}

function localTar(args: string[]): { child: ReturnType<typeof spawn>; ended: Promise<Ended> } {
  const child = spawn('tar', args, { stdio: ['pipe', 'pipe', 'pipe'] })
  // A tar that stops early (bad archive) breaks the pipe; its exit status tells the story.
  child.stdin?.on('error', () => undefined)
  const stderr: Buffer[] = []
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
  const ended = new Promise<Ended>((resolve) => {
    child.once('error', (err) => resolve({ code: -1, stderr: err.message }))
    child.once('close', (code, signal) => resolve({ code, signal, stderr: Buffer.concat(stderr).toString('utf8').trim() }))
  })

  return { child, ended }
}

function describeEnd(ended: Ended): string {
  return ended.code === null ? `killed by ${ended.signal ?? 'an unknown signal'}` : `exit status ${ended.code}`
}

export class SshFileTransfer implements BuildFileTransfer {
  constructor(
    private readonly client: Client,
    /** The project dir on the remote host; relative paths start at the login dir. */
    private readonly projectDir: string,
  ) {}

  async download(paths: string[], localDir: string, signal: AbortSignal): Promise<void> {
    await mkdir(localDir, { recursive: true })
    const list = paths.map((path) => quotePosix(operand(path))).join(' ')
    // Missing paths are skipped; with none left an empty archive still goes out.
    const remote =
      `cd ${quotePosix(this.projectDir)} || exit 1; set --; for p in ${list}; do ` +
      'if [ -e "$p" ] || [ -L "$p" ]; then set -- "$@" "$p"; fi; done; ' +
      'if [ $# -eq 0 ]; then exec tar -cf - -T /dev/null; fi; exec tar -cf - "$@"'
    const channel = await execChannel(this.client, remote)
    const remoteEnded = channelEnded(channel)
    // --ignore-zeros: read to the end of the stream instead of quitting at the end-of-archive
    // blocks, so the remote tar is never cut off mid-write.
    const tar = localTar(['-xf', '-', '--ignore-zeros', '--no-same-owner', '-C', localDir])
    channel.pipe(tar.child.stdin as NodeJS.WritableStream)
    channel.end()

    const [remoteResult, localResult] = await this.#bounded(signal, channel, tar.child, Promise.all([remoteEnded, tar.ended]))
    if (!endedWell(remoteResult, localResult)) throw new SshTransferError(`copying ${paths.join(', ')} from the remote host`, remoteResult.stderr || describeEnd(remoteResult))
    if (localResult.code !== 0) throw new SshTransferError(`extracting into ${localDir}`, localResult.stderr || describeEnd(localResult))
  }

  async upload(localDir: string, signal: AbortSignal): Promise<void> {
    const dir = quotePosix(this.projectDir)
    const channel = await execChannel(this.client, `mkdir -p ${dir} && exec tar -xf - -C ${dir}`)
    const remoteEnded = channelEnded(channel)
    channel.on('data', () => undefined)
    const tar = localTar(['-cf', '-', '-C', localDir, '.'])
    tar.child.stdout?.pipe(channel)

    const [remoteResult, localResult] = await this.#bounded(signal, channel, tar.child, Promise.all([remoteEnded, tar.ended]))
    if (!endedWell(localResult, remoteResult)) throw new SshTransferError(`archiving ${localDir}`, localResult.stderr || describeEnd(localResult))
    if (remoteResult.code !== 0) throw new SshTransferError('copying into the remote project dir', remoteResult.stderr || describeEnd(remoteResult))
  }

  /** Waits for `work`; an abort closes the channel and stops the local tar. */
  async #bounded<T>(signal: AbortSignal, channel: ClientChannel, child: ReturnType<typeof spawn>, work: Promise<T>): Promise<T> {
    const stop = (): void => {
      channel.close()
      child.kill('SIGKILL')
    }
    if (signal.aborted) stop()
    else signal.addEventListener('abort', stop, { once: true })
    try {
      return await work
    } finally {
      signal.removeEventListener('abort', stop)
    }
  }
}
