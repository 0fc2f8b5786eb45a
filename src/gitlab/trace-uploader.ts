/**
 * Streams one job's trace to GitLab while it runs (spec 4.3/4.4) and sends the final
 * update (3.6). It reads a TraceStore by offset, so nothing is lost or sent twice across
 * 5xx answers, 416 range corrections or dropped connections: the sent offset only moves
 * on a 202 (to start + length) or a 416 (to the server's length).
 */
import { formatError } from '../core/errors.js'
import { silentLogger, type Logger } from '../core/logger.js'
import type { TraceStore } from '../engine/job-log/types.js'
import type { ApiClient } from './api-client.js'
import { MAX_TRACE_CHUNK_BYTES, MAX_UPDATE_INTERVAL_MS, patchTrace, updateJob, type JobStatusHints, type PatchTraceResult } from './jobs-api.js'
import { backoffMs, sleep } from './retry-policy.js'
import type { RunnerInfo } from './runner-info.js'

export interface TraceUploaderTiming {
  /** Default update interval (3 s); the server's header overrides it. */
  updateIntervalMs?: number
  /** Keep-alive PUT after this long without a successful send (30 s). */
  forceSendIntervalMs?: number
  /** What one second of X-GitLab-Trace-Update-Interval is worth (1000; tests shrink it). */
  intervalUnitMs?: number
  /** First pause of the final-update retry backoff (1 s), capped at 60 min. */
  finalBackoffMinMs?: number
}

export interface TraceUploaderOptions {
  client: ApiClient
  jobId: number
  jobToken: string
  trace: TraceStore
  info: RunnerInfo
  debugTrace: boolean
  /** Job-Status canceling: graceful cancel, called at most once. */
  onCancelRequested: () => void
  /** 403 / Job-Status canceled or failed: hard abort, called at most once. */
  onAbort: () => void
  logger?: Logger
  timing?: TraceUploaderTiming
  /** `job_status_final_update_retry_limit` (10). */
  finalUpdateRetryLimit?: number
}

export interface FinalState {
  state: 'success' | 'failed'
  /** Already mapped onto the payload's failure_reasons. */
  failureReason?: string
  exitCode?: number
}

export type FinalUpdateOutcome = 'accepted' | 'aborted' | 'not-found' | 'gave-up'

const DEFAULT_UPDATE_INTERVAL_MS = 3000
const DEFAULT_FORCE_SEND_MS = 30_000
/** How often a waiting loop looks for a full chunk to send before its tick. */
const FULL_CHUNK_CHECK_MS = 200
const FINAL_BACKOFF_MAX_MS = 60 * 60_000

export class TraceUploader {
  private sentOffset = 0
  private intervalMs: number
  private lastSuccessfulSend = Date.now()
  private aborted = false
  private cancelRequested = false
  private traceGone = false
  /** The last tick sent everything it tried to: only then may the next one come early. */
  private lastTickClean = true
  private readonly stopLoop = new AbortController()
  private loop: Promise<void> | undefined
  private readonly logger: Logger
  private readonly defaultIntervalMs: number

  constructor(private readonly o: TraceUploaderOptions) {
    this.logger = o.logger ?? silentLogger()
    this.defaultIntervalMs = o.timing?.updateIntervalMs ?? DEFAULT_UPDATE_INTERVAL_MS
    this.intervalMs = this.defaultIntervalMs
  }

  /** Bytes GitLab has acknowledged so far. */
  get offset(): number {
    return this.sentOffset
  }

  /** True once GitLab told the runner to stop (403, Job-Status canceled/failed, abort). */
  get wasAborted(): boolean {
    return this.aborted
  }

  /** Starts the incremental loop: one chunk per update interval. */
  start(): void {
    this.loop ??= this.runLoop()
  }

  /** Stops the loop, flushes everything, sends the final PUT with retries (3.6). */
  async finish(final: FinalState): Promise<FinalUpdateOutcome> {
    this.stopLoop.abort()
    await this.loop
    if (this.aborted) return this.finalAfterAbort(final)

    const limit = Math.max(1, this.o.finalUpdateRetryLimit ?? 10)
    const backoffMinMs = this.o.timing?.finalBackoffMinMs ?? 1000
    for (let attempt = 0; attempt < limit; attempt++) {
      const outcome = await this.finalAttempt(final)
      if (outcome !== 'retry') return outcome
      if (attempt + 1 < limit) await sleep(backoffMs(attempt, backoffMinMs, FINAL_BACKOFF_MAX_MS))
    }
    this.logger.error('giving up on the final job update', { retries: limit })

    return 'gave-up'
  }

  private async runLoop(): Promise<void> {
    const stop = this.stopLoop.signal
    while (!stop.aborted && !this.aborted) {
      await this.untilNextTick(stop)
      if (stop.aborted) return
      await this.tick()
    }
  }

  /**
   * One update interval, or less once a full chunk waits: a job that prints fast then
   * streams its log while it runs instead of leaving it all to the final flush. After a
   * failed send the full interval applies, so a struggling GitLab is not hammered.
   */
  private async untilNextTick(stop: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.intervalMs
    for (let left = this.intervalMs; left > 0 && !stop.aborted; left = deadline - Date.now()) {
      if (this.lastTickClean && !this.traceGone && this.o.trace.size - this.sentOffset >= MAX_TRACE_CHUNK_BYTES) return
      await sleep(Math.min(FULL_CHUNK_CHECK_MS, left), stop)
    }
  }

  private async tick(): Promise<void> {
    // The official runner sends one chunk per tick, so a job printing fast shows its log
    // minutes late and leaves a large final flush. Full chunks are sent back to back
    // instead; a partial chunk waits for the next tick, as before.
    let more = !this.traceGone && this.o.trace.size > this.sentOffset
    this.lastTickClean = true
    while (more) {
      const result = await this.sendChunk()
      if (result.kind === 'abort') return this.abort(result.message)
      if (result.kind !== 'ok') {
        this.lastTickClean = false

        return
      }
      more = !this.stopLoop.signal.aborted && this.o.trace.size - this.sentOffset >= MAX_TRACE_CHUNK_BYTES
    }
    if (Date.now() - this.lastSuccessfulSend <= (this.o.timing?.forceSendIntervalMs ?? DEFAULT_FORCE_SEND_MS)) return

    const touch = await this.put({ state: 'running' })
    if (touch.kind === 'abort') this.abort(touch.message)
  }

  /** PATCHes the next ≤ 1 MiB from the sent offset and applies the answer. */
  private async sendChunk(): Promise<PatchTraceResult> {
    const bytes = this.o.trace.read(this.sentOffset, MAX_TRACE_CHUNK_BYTES)
    const result = await patchTrace(this.o.client, {
      jobId: this.o.jobId,
      jobToken: this.o.jobToken,
      offset: this.sentOffset,
      bytes,
      debugTrace: this.o.debugTrace,
      intervalUnitMs: this.o.timing?.intervalUnitMs,
    })
    this.applyHints(result)
    if (result.kind === 'ok' || result.kind === 'range-mismatch') {
      if (result.kind === 'range-mismatch') this.logger.warn('trace range mismatch, resending', { from: result.newOffset, had: this.sentOffset })
      this.sentOffset = result.newOffset ?? 0
      this.lastSuccessfulSend = Date.now()
    } else if (result.kind === 'not-found') {
      this.logger.warn('job trace not found on GitLab, no longer sending it')
      this.traceGone = true
    } else if (result.kind === 'failure') {
      this.logger.warn('sending trace failed, will retry', { reason: result.message })
    }

    return result
  }

  private async put(state: { state: 'running' } | FinalState) {
    const result = await updateJob(this.o.client, {
      jobId: this.o.jobId,
      jobToken: this.o.jobToken,
      ...state,
      checksum: this.o.trace.checksum(),
      bytesize: this.o.trace.size,
      info: this.o.info,
      intervalUnitMs: this.o.timing?.intervalUnitMs,
    })
    this.applyHints(result)
    if (result.kind === 'ok') this.lastSuccessfulSend = Date.now()

    return result
  }

  /** One pass of 3.6: flush all, PUT, loop on 202/412; 'retry' asks the caller to back off. */
  private async finalAttempt(final: FinalState): Promise<FinalUpdateOutcome | 'retry'> {
    this.intervalMs = this.defaultIntervalMs
    for (;;) {
      const flushed = await this.flushAll()
      if (!flushed) return 'retry'

      const result = await this.put(final)
      if (result.kind === 'ok') return 'accepted'
      if (result.kind === 'abort') return 'aborted'
      if (result.kind === 'not-found') return 'not-found'
      if (result.kind === 'accepted') {
        this.logger.debug('final update accepted but not completed, waiting', { intervalMs: this.intervalMs })
      } else if (result.kind === 'trace-reset') {
        this.logger.warn('GitLab asked for the whole trace again')
        this.sentOffset = 0
      } else {
        this.logger.warn('final job update failed', { reason: result.message })
        await sleep(this.intervalMs)

        return 'retry'
      }
      await sleep(this.intervalMs)
    }
  }

  /** PATCHes until everything is sent; false when a failure means "back off and retry". */
  private async flushAll(): Promise<boolean> {
    while (!this.traceGone && this.o.trace.size > this.sentOffset) {
      const result = await this.sendChunk()
      if (result.kind === 'ok') continue
      if (result.kind === 'range-mismatch') {
        await sleep(this.intervalMs)
        continue
      }
      if (result.kind === 'abort' || result.kind === 'not-found') return true
      await sleep(this.intervalMs)

      return false
    }

    return true
  }

  /** After an abort one final PUT is allowed, never retried (spec 3.4, case 33). */
  private async finalAfterAbort(final: FinalState): Promise<FinalUpdateOutcome> {
    try {
      const result = await this.put(final)
      if (result.kind === 'ok') return 'accepted'
    } catch (err) {
      this.logger.debug('final update after abort failed', { error: formatError(err) })
    }

    return 'aborted'
  }

  private applyHints(hints: JobStatusHints): void {
    if (hints.updateIntervalMs !== undefined) this.intervalMs = Math.min(MAX_UPDATE_INTERVAL_MS, hints.updateIntervalMs)
    if (hints.invalidInterval !== undefined) this.logger.warn('ignoring invalid X-GitLab-Trace-Update-Interval', { value: hints.invalidInterval })
    if (hints.cancelRequested && !this.cancelRequested) {
      this.cancelRequested = true
      this.logger.info('GitLab requested to cancel the job gracefully')
      this.o.onCancelRequested()
    }
  }

  private abort(message: string): void {
    if (this.aborted) return
    this.aborted = true
    this.logger.info('GitLab aborted the job', { reason: message })
    this.o.onAbort()
  }
}
