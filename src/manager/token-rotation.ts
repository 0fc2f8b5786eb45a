/**
 * Automatic runner token rotation (spec 1.8): at 75 % of a token's lifetime the runner
 * resets it, uses the new token from then on, and asks the caller to persist it.
 * Resets run one at a time, earliest first.
 */
import { formatError } from '../core/errors.js'
import { resetRunnerToken } from '../gitlab/runners-api.js'
import type { RunnerEntry } from './runner-entry.js'

export type OnTokenRotated = (
  runnerName: string,
  newToken: string,
  expiresAt: string | null,
  details: { oldToken: string; obtainedAt: string },
) => void | Promise<void>

/** setTimeout's ceiling (~24.8 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1
const RETRY_AFTER_FAILURE_MS = 60_000

export class TokenRotator {
  private readonly timers = new Map<RunnerEntry, NodeJS.Timeout>()
  private chain: Promise<void> = Promise.resolve()
  private stopped = false

  constructor(
    private readonly onRotated: OnTokenRotated | undefined,
    private readonly now: () => number = Date.now,
    private readonly retryAfterFailureMs = RETRY_AFTER_FAILURE_MS,
  ) {}

  /** When the token of `entry` should be reset, or undefined when it never expires. */
  static rotationTime(entry: RunnerEntry, now: number): number | undefined {
    const expires = Date.parse(entry.config.token_expires_at ?? '')
    if (Number.isNaN(expires) || expires <= 0) return undefined
    const obtainedRaw = Date.parse(entry.config.token_obtained_at ?? '')
    const obtained = Number.isNaN(obtainedRaw) ? now : obtainedRaw

    return obtained + 0.75 * (expires - obtained)
  }

  schedule(entry: RunnerEntry): void {
    if (this.stopped) return
    const at = TokenRotator.rotationTime(entry, this.now())
    if (at === undefined) return
    if (entry.config.feature_flags.FF_DISABLE_AUTOMATIC_TOKEN_ROTATION) {
      entry.logger.warn('automatic token rotation is disabled; the token expires', { expiresAt: entry.config.token_expires_at })

      return
    }
    this.arm(entry, at)
  }

  stop(): void {
    this.stopped = true
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
  }

  private arm(entry: RunnerEntry, at: number): void {
    clearTimeout(this.timers.get(entry))
    const wait = Math.max(0, at - this.now())
    const timer = setTimeout(() => {
      if (wait > MAX_TIMER_MS) return this.arm(entry, at)
      this.chain = this.chain.then(() => this.rotate(entry))
    }, Math.min(wait, MAX_TIMER_MS))
    timer.unref()
    this.timers.set(entry, timer)
  }

  private async rotate(entry: RunnerEntry): Promise<void> {
    if (this.stopped) return
    const oldToken = entry.config.token
    try {
      const result = await resetRunnerToken(entry.client, { token: oldToken })
      const obtainedAt = new Date(Math.floor(this.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z')
      entry.config.token = result.token
      entry.config.token_obtained_at = obtainedAt
      if (result.tokenExpiresAt) entry.config.token_expires_at = result.tokenExpiresAt
      else delete entry.config.token_expires_at
      entry.logger.info('runner token rotated', { expiresAt: result.tokenExpiresAt })
      await this.persist(entry, result, { oldToken, obtainedAt })
      this.schedule(entry)
    } catch (err) {
      entry.logger.error('rotating the runner token failed, will retry', { error: formatError(err) })
      if (!this.stopped) this.arm(entry, this.now() + this.retryAfterFailureMs)
    }
  }

  /** The old token no longer works, so a save failure must not trigger another reset. */
  private async persist(entry: RunnerEntry, result: { token: string; tokenExpiresAt: string | null }, details: { oldToken: string; obtainedAt: string }): Promise<void> {
    try {
      await this.onRotated?.(entry.config.name, result.token, result.tokenExpiresAt, details)
    } catch (err) {
      entry.logger.error('saving the rotated runner token failed; it is only kept in memory', { error: formatError(err) })
    }
  }
}
