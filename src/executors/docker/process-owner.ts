/**
 * Which glrunner process created an engine object, written as a label on everything a job
 * creates, so the start-up reaper can tell a crashed job's leftovers (owner process gone)
 * from a job that still runs (in this process or another one on the same machine).
 *
 * The owner is `<hostname>/<boot id>/<pid>/<start time>`: the boot id tells a reboot from a
 * live process, the start time (clock ticks since boot, /proc/<pid>/stat) a reused pid.
 */
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'

/** glrunner's own label (not the official prefix): official runners never set it. */
export const OWNER_LABEL = 'glrunner.owner'

export interface ProcessOwner {
  host: string
  bootId: string
  pid: number
  /** Field 22 of /proc/<pid>/stat; '' where /proc is missing. */
  startTime: string
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return ''
  }
}

/** The start time of `pid`, '' when /proc does not know it (gone, or no /proc). */
export function processStartTime(pid: number): string {
  const stat = readOrEmpty(`/proc/${pid}/stat`)
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')

  return stat === '' ? '' : (fields[19] ?? '')
}

let self: ProcessOwner | undefined

/** This process, computed once. */
export function currentOwner(): ProcessOwner {
  self ??= { host: hostname(), bootId: readOrEmpty('/proc/sys/kernel/random/boot_id'), pid: process.pid, startTime: processStartTime(process.pid) }

  return self
}

export function formatOwner(owner: ProcessOwner): string {
  return `${owner.host}/${owner.bootId}/${owner.pid}/${owner.startTime}`
}

/** undefined for a value glrunner did not write. */
export function parseOwner(text: string): ProcessOwner | undefined {
  const parts = text.split('/')
  if (parts.length !== 4) return undefined
  const [host = '', bootId = '', pidText = '', startTime = ''] = parts
  const pid = Number(pidText)
  if (host === '' || !Number.isInteger(pid) || pid <= 0) return undefined

  return { host, bootId, pid, startTime }
}

export type OwnerState = 'self' | 'alive' | 'gone' | 'unknown'

/**
 * `self`: this process; `alive`: another live process on this machine; `gone`: its process
 * no longer exists (crash, kill -9, reboot); `unknown`: another machine, cannot tell.
 */
export function ownerState(owner: ProcessOwner, me: ProcessOwner = currentOwner()): OwnerState {
  if (owner.host !== me.host) return 'unknown'
  if (owner.bootId !== '' && me.bootId !== '' && owner.bootId !== me.bootId) return 'gone'
  if (owner.pid === me.pid && owner.startTime === me.startTime) return 'self'
  if (owner.startTime !== '' && me.startTime !== '') {
    // Same boot, /proc readable: the pid must exist with the same start time.
    return processStartTime(owner.pid) === owner.startTime ? 'alive' : 'gone'
  }

  return pidExists(owner.pid) ? 'alive' : 'gone'
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0)

    return true
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
