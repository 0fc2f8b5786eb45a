/**
 * Runs one command on the remote host in an exec channel, with the script on stdin, and
 * makes sure a stop reaches the whole remote process tree, not just the channel (many
 * sshd ignore the "signal" request, and closing the channel leaves processes running).
 *
 * The stage runs as `setsid -w sh -c 'echo $$ > <pid file>; exec <shell command>'` (for
 * bash `bash -l`, for pwsh its stdin invocation), so the remote host needs a POSIX sh: the shell
 * leads a new session and process group whose id is written to a per-stage pid file in
 * the remote user's home. A stop opens a second channel that sends TERM to that group,
 * then KILL after the grace period. When the shell exits on its own, the wrapper does the
 * same to whatever it left behind, so background jobs cannot outlive the stage. Without
 * `setsid` on the remote (non-Linux), only the shell itself can be signalled.
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import type { Client, ClientChannel } from 'ssh2'
import { quotePosix } from '../../shells/quote.js'

export interface RemoteRunOptions {
  client: Client
  /** The shell's command line, already quoted for sh (`bash -l`, `pwsh -NoProfile …`). */
  shellCommand: string
  input: string
  stdout: (chunk: Buffer) => void
  stderr: (chunk: Buffer) => void
  signal: AbortSignal
  gracefulKillMs: number
  forceKillMs: number
}

export interface RemoteRunResult {
  code: number | null
  signal: string | null
  /** The remote group outlived KILL + forceKillMs. */
  gaveUp: boolean
}

/** Opens an exec channel (no pty). */
/** How a remote command ended: its exit status, or the signal that killed it. */
export interface RemoteExit {
  code: number | null
  signal: string | null
}

const exits = new WeakMap<ClientChannel, RemoteExit>()

export function execChannel(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) return reject(err)
      // A quick command's exit status can arrive in the same read as the channel's opening,
      // before an awaiting caller could listen: record it from the first moment.
      const exit: RemoteExit = { code: null, signal: null }
      exits.set(channel, exit)
      channel.once('exit', (code: number | null, signal?: string) => {
        exit.code = code
        exit.signal = signal ?? null
      })
      resolve(channel)
    })
  })
}

/** The exit recorded for a channel opened by execChannel (complete once it closed). */
export function remoteExit(channel: ClientChannel): RemoteExit {
  return exits.get(channel) ?? { code: null, signal: null }
}

/** Runs `command` to completion, discarding its output; resolves with its exit code. */
export async function execQuiet(client: Client, command: string): Promise<number | null> {
  const channel = await execChannel(client, command)
  channel.on('data', () => undefined)
  channel.stderr.on('data', () => undefined)
  channel.end()

  return await new Promise((resolve) => channel.once('close', () => resolve(remoteExit(channel).code)))
}

/** `$HOME/.glrunner-stage-<hex>.pid`, unquoted `$HOME` so the remote expands it. */
function pidFileExpression(): string {
  return `"$HOME"/.glrunner-stage-${randomBytes(8).toString('hex')}.pid`
}

/** Exit status of signalCommand when the stage has not written its pid file yet. */
const NO_PID_YET = 3

/** A POSIX sh command line that reads the pid file `file` and signals its group. */
function signalCommand(file: string, signal: 'TERM' | 'KILL'): string {
  return `P=$(cat ${file} 2>/dev/null); [ -n "$P" ] || exit ${NO_PID_YET}; kill -${signal} -- -"$P" 2>/dev/null || kill -${signal} "$P" 2>/dev/null; true`
}

/** The remote command line of one stage (see the module comment). */
export function stageCommand(shellCommand: string, file: string): string {
  const inner = quotePosix(`echo $$ >"$0"; exec ${shellCommand}`)
  // Leftovers (background jobs) get TERM, and KILL a second later if still there.
  const reap =
    'P=$(cat "$F" 2>/dev/null); if [ -n "$P" ] && kill -0 -- -"$P" 2>/dev/null; then ' +
    'kill -TERM -- -"$P" 2>/dev/null; sleep 1; kill -KILL -- -"$P" 2>/dev/null; fi'

  return (
    `F=${file}; if command -v setsid >/dev/null 2>&1; then setsid -w sh -c ${inner} "$F"; ` +
    `else sh -c ${inner} "$F"; fi; s=$?; ${reap}; rm -f "$F"; exit $s`
  )
}

export async function runRemote(options: RemoteRunOptions): Promise<RemoteRunResult> {
  const file = pidFileExpression()
  const channel = await execChannel(options.client, stageCommand(options.shellCommand, file))

  const closed = new Promise<void>((resolve) => channel.once('close', () => resolve()))
  channel.on('data', options.stdout)
  channel.stderr.on('data', options.stderr)
  channel.on('error', () => undefined)
  channel.end(options.input)

  let gaveUp = false
  let stopping: Promise<void> | undefined
  const stop = (): void => {
    stopping ??= stopRemote(options, file, closed, channel).then((result) => {
      gaveUp = result
    })
  }
  if (options.signal.aborted) stop()
  else options.signal.addEventListener('abort', stop, { once: true })

  await closed
  options.signal.removeEventListener('abort', stop)
  if (stopping !== undefined) await stopping

  const { code, signal: exitSignal } = remoteExit(channel)

  return { code, signal: exitSignal, gaveUp }
}

async function settles(promise: Promise<void>, ms: number): Promise<boolean> {
  const controller = new AbortController()
  const timer = delay(ms, false, { signal: controller.signal }).catch(() => false)
  const result = await Promise.race([promise.then(() => true), timer])
  controller.abort()

  return result
}

/** TERM to the remote group, KILL after the grace period; true when it would not die. */
async function stopRemote(options: RemoteRunOptions, file: string, closed: Promise<void>, channel: ClientChannel): Promise<boolean> {
  const send = (signal: 'TERM' | 'KILL'): Promise<number | null> =>
    execQuiet(options.client, signalCommand(file, signal)).catch(() => null)

  // A stop right after the start may come before the stage has written its pid file.
  for (let tries = 0; (await send('TERM')) === NO_PID_YET && tries < 50; tries++) {
    if (await settles(closed, 100)) return false
  }
  if (await settles(closed, options.gracefulKillMs)) return false

  await send('KILL')
  if (await settles(closed, options.forceKillMs)) return false

  channel.close()

  return true
}
