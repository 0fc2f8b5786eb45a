/**
 * Reads a process's own resource use from /proc, so figures are the runner's and not the
 * harness's: peak and current RSS (VmHWM, VmRSS) and CPU seconds (utime + stime, which
 * leave out the job shells it started).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

let ticksPerSecond: number | undefined

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const value = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim())
    ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100
  }

  return ticksPerSecond
}

export interface ProcStats {
  peakRssBytes: number
  rssBytes: number
  cpuSeconds: number
}

function statusKiB(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)

  return match ? Number(match[1]) : Number.NaN
}

export function readProcStats(pid: number): ProcStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])

  return {
    peakRssBytes: statusKiB(status, 'VmHWM') * 1024,
    rssBytes: statusKiB(status, 'VmRSS') * 1024,
    cpuSeconds: (utime + stime) / clockTicks(),
  }
}

/** Resets VmHWM to the current RSS (Linux clear_refs 5); false when the kernel refuses. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')

    return true
  } catch {
    return false
  }
}
