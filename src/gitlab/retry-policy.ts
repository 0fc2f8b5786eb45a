/**
 * The transport retry policy every API call goes through (spec 0.5): which statuses are
 * retried and how long to wait before the next attempt.
 */

export const TRANSPORT_MAX_ATTEMPTS = 5
const BACKOFF_MIN_MS = 100
const BACKOFF_MAX_MS = 60_000

export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504 || status >= 512
}

export interface RetryWaitOptions {
  /** Zero-based index of the attempt that just failed. */
  attempt: number
  headers: Record<string, string | undefined>
  now?: number
  /** Base of the exponential backoff; tests shrink it. */
  backoffMinMs?: number
  backoffMaxMs?: number
  random?: () => number
}

/**
 * How long to wait before retrying: RateLimit-ResetTime (an HTTP date), else Retry-After
 * (seconds), else exponential backoff with jitter.
 */
export function retryWaitMs(options: RetryWaitOptions): number {
  const now = options.now ?? Date.now()
  const reset = options.headers['ratelimit-resettime']
  if (reset) {
    const at = Date.parse(reset)
    if (!Number.isNaN(at)) return Math.max(0, at - now)
  }

  const retryAfter = options.headers['retry-after']
  if (retryAfter && /^\d+$/.test(retryAfter.trim())) return Number(retryAfter.trim()) * 1000

  return backoffMs(options.attempt, options.backoffMinMs ?? BACKOFF_MIN_MS, options.backoffMaxMs ?? BACKOFF_MAX_MS, options.random)
}

/** `min * 2^attempt`, capped, with up to +50 % jitter (never above the cap). */
export function backoffMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 40))
  const jittered = base + base * 0.5 * random()

  return Math.min(maxMs, Math.round(jittered))
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve()

  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
