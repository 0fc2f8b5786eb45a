/**
 * Runs one process in its own session and process group and makes sure that, when it
 * ends or is stopped, nothing it started survives: the group and every process of its
 * session (children that moved to another group with setpgid) get TERM, then KILL.
 * Only a process that calls setsid() itself can escape, as with the official runner.
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'

export interface TreeRunOptions {
  command: string
  args: string[]
  /** Written to stdin, which is then closed. */
  input: string
  cwd?: string
  env?: NodeJS.ProcessEnv
  stdout: (chunk: Buffer) => void
  stderr: (chunk: Buffer) => void
  signal: AbortSignal
  /** Wait after SIGTERM before SIGKILL. */
  gracefulKillMs: number
  /** Wait after SIGKILL before giving up. */
  forceKillMs: number
}

export interface TreeRunResult {
  /** Exit code, or null when the process died from a signal. */
  code: number | null
  signal: NodeJS.Signals | null
  /** True when the process outlived SIGKILL + forceKillMs (a dormant process). */
  gaveUp: boolean
  pid: number
}

/** Starts `command`, feeds `input`, resolves when it and its tree are gone. */
export async function runProcessTree(options: TreeRunOptions): Promise<TreeRunResult> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    // detached: setsid(), so the child leads a new session and process group.
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  })

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject))
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))

  child.stdout.on('data', options.stdout)
  child.stderr.on('data', options.stderr)
  // The shell may exit before reading all of its script; that is its exit status's story.
  child.stdin.on('error', () => undefined)
  child.stdin.end(options.input)

  const pid = child.pid
  if (pid === undefined) {
    await Promise.race([spawnError, exited])
    throw new Error(`starting ${options.command}: no process id`)
  }

  let gaveUp = false
  let stopping: Promise<void> | undefined
  const stop = (): void => {
    stopping ??= terminate(pid, exited, options).then((result) => {
      gaveUp = result
    })
  }
  if (options.signal.aborted) stop()
  else options.signal.addEventListener('abort', stop, { once: true })

  const status = await Promise.race([exited, spawnError])
  options.signal.removeEventListener('abort', stop)
  if (stopping !== undefined) await stopping

  // Whatever the shell left behind (background jobs, `(cmd &)`) must not outlive the stage.
  await reapLeftovers(pid, options)
  // Output still buffered in the pipes drains; a grandchild holding them open gets a second.
  // The timer is cleared either way: a pending one would keep the process alive that long.
  await settlesWithin(closed, 1_000)

  return { ...status, gaveUp, pid }
}

async function terminate(
  pid: number,
  exited: Promise<unknown>,
  options: TreeRunOptions,
): Promise<boolean> {
  const termSent = signalTree(pid, 'SIGTERM')
  const gracefulMs = termSent ? options.gracefulKillMs : 0
  if (await settlesWithin(exited, gracefulMs)) return false

  signalTree(pid, 'SIGKILL')

  return !(await settlesWithin(exited, options.forceKillMs))
}

async function reapLeftovers(pid: number, options: TreeRunOptions): Promise<void> {
  if (!treeAlive(pid)) return
  signalTree(pid, 'SIGTERM')
  const deadline = Date.now() + Math.min(options.gracefulKillMs, 2_000)
  while (treeAlive(pid) && Date.now() < deadline) await delay(50)
  if (!treeAlive(pid)) return

  signalTree(pid, 'SIGKILL')
  const forceDeadline = Date.now() + options.forceKillMs
  while (treeAlive(pid) && Date.now() < forceDeadline) await delay(50)
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const controller = new AbortController()
  const timer = delay(ms, false, { signal: controller.signal }).catch(() => false)
  const result = await Promise.race([promise.then(() => true), timer])
  controller.abort()

  return result
}

/** Signals the process group `pid` and every process of session `pid`; false if none. */
function signalTree(pid: number, signal: NodeJS.Signals): boolean {
  let delivered = trySignal(-pid, signal)
  for (const member of sessionMembers(pid)) delivered = trySignal(member, signal) || delivered

  return delivered
}

function trySignal(target: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, signal)

    return true
  } catch {
    return false
  }
}

function treeAlive(pid: number): boolean {
  // Group members are always members of the session; /proc also tells zombies apart,
  // which kill(-pgid, 0) would count as alive.
  if (procAvailable()) return sessionMembers(pid).length > 0

  return trySignal(-pid, 0)
}

function procAvailable(): boolean {
  try {
    readFileSync('/proc/self/stat')

    return true
  } catch {
    return false
  }
}

/** Live (non-zombie) processes whose session id is `sid`, read from /proc on Linux. */
export function sessionMembers(sid: number): number[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return []
  }

  const createdSince = pidsCreatedSince(sid)
  const members: number[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || !createdSince(Number(entry))) continue
    const stat = readStat(entry)
    if (stat !== undefined && stat.session === sid && stat.state !== 'Z') members.push(Number(entry))
  }

  return members
}

/**
 * Whether a pid may belong to a process created since `leader` (which called setsid()).
 * Every member of its session was, and Linux does not reuse a pid that still names a
 * session, so only pids handed out since — the cyclic range up to the kernel's last
 * allocated pid — need their stat read. This runs after every stage; on a busy machine
 * it skips most of /proc.
 */
function pidsCreatedSince(leader: number): (pid: number) => boolean {
  let last: number
  try {
    last = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8').trim())
  } catch {
    return () => true
  }
  if (!Number.isInteger(last) || last <= 0) return () => true

  // Pids wrap around at pid_max: after a wrap the range is [leader, max] ∪ [1, last].
  return last >= leader ? (pid) => pid >= leader && pid <= last : (pid) => pid >= leader || pid <= last
}

function readStat(pid: string): { state: string; session: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name is in parentheses and may contain spaces; fields follow the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')

    return { state: fields[0] ?? '', session: Number(fields[3]) }
  } catch {
    return undefined
  }
}
