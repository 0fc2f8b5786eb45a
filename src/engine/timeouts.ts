/** RUNNER_SCRIPT_TIMEOUT / RUNNER_AFTER_SCRIPT_TIMEOUT (job-execution.md 11.2). */
import { parseGoDuration } from '../core/duration.js'

export const DEFAULT_AFTER_SCRIPT_TIMEOUT_MS = 5 * 60_000

/**
 * The stage deadline in ms, or undefined for "none of its own". Malformed, negative and
 * too-long values are discarded with the official warning and the default applies.
 */
export function stageTimeout(options: {
  name: 'RUNNER_SCRIPT_TIMEOUT' | 'RUNNER_AFTER_SCRIPT_TIMEOUT'
  raw: string
  remainingMs: number
  defaultMs: number | undefined
  warn: (message: string) => void
}): number | undefined {
  const { name, raw } = options
  if (raw === '') return options.defaultMs

  const ms = parseGoDuration(raw)
  if (ms === undefined) options.warn(`Ignoring malformed ${name} timeout: ${raw}`)
  else if (ms < 0) options.warn(`Ignoring relative ${name} timeout: ${raw}`)
  else if (ms > options.remainingMs) options.warn(`${name} timeout: ${raw} is longer than job timeout. Setting to job timeout`)
  else if (ms > 0) return ms

  return options.defaultMs
}

/** Waits `ms` unless `signal` aborts first; never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve()
      return
    }
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/** Wait before attempt `attempt` (2, 3, …): 5 s doubling to 5 min, or 1 s doubling to 5 s. */
export function retryBackoffMs(attempt: number, exponential: boolean): number {
  const step = Math.max(0, attempt - 2)

  return exponential ? Math.min(5_000 * 2 ** step, 300_000) : Math.min(1_000 * 2 ** step, 5_000)
}
