/**
 * The long-running agent (spec 8): a feeder offers each runner entry about once per
 * check_interval; an entry asks GitLab for a job only when it has a free slot under
 * `concurrent`, `limit` and `request_concurrency`. After a job arrives, or a job ends, the
 * entry asks again at once (unless strict_check_interval), so a finished job never waits
 * a whole tick for the next one. A held long poll counts as a slot, and on shutdown every
 * held poll is aborted at once.
 */
import type { GlobalConfig } from '../config/runner-config.js'
import { formatError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { shortToken } from '../core/tokens.js'
import type { AbortReason } from '../engine/types.js'
import type { ExecutorProvider } from '../executors/executor.js'
import { createArtifactsTransport } from '../gitlab/artifacts-api.js'
import type { JobPayload } from '../gitlab/job-payload.js'
import { requestJob } from '../gitlab/jobs-api.js'
import type { TraceUploaderTiming } from '../gitlab/trace-uploader.js'
import { runJob, type JobOutcome, type RunBuild } from './job-runner.js'
import { RunnerEntry } from './runner-entry.js'
import { TokenRotator, type OnTokenRotated } from './token-rotation.js'

export interface ManagerTiming {
  /** Overrides check_interval (ms). */
  checkIntervalMs?: number
  trace?: TraceUploaderTiming
  /** Transport backoff base for the API clients. */
  retryBackoffMinMs?: number
  artifactsRetryBackoffMinMs?: number
}

export interface ManagerOptions {
  config: GlobalConfig
  systemId: string
  logger: Logger
  runBuild: RunBuild
  resolveExecutor: (name: string) => ExecutorProvider | undefined
  onTokenRotated?: OnTokenRotated
  /** Stop (gracefully) after this many jobs were received (run-single --max-builds). */
  maxBuilds?: number
  /** Called with every finished job (tests, run-single). */
  onJobFinished?: (outcome: JobOutcome) => void
  /** Called after every job request with its result kind (tests). */
  onRequest?: (event: { runner: string; status: number; healthy: boolean }) => void
  timing?: ManagerTiming
  now?: () => number
}

export type ManagerState = 'idle' | 'running' | 'stopping' | 'stopped'

export class RunnerManager {
  private readonly entries: RunnerEntry[]
  private readonly jobAborts = new Set<(reason: AbortReason) => void>()
  private readonly rotator: TokenRotator
  private readonly logger: Logger
  private readonly now: () => number
  private feederTimer: NodeJS.Timeout | undefined
  private feederIndex = 0
  private runningJobs = 0
  private inflightRequests = 0
  private receivedJobs = 0
  private stateValue: ManagerState = 'idle'
  private resolveDone!: () => void
  /** Resolves once stopping was asked for and every job and request has ended. */
  readonly done: Promise<void>

  constructor(private readonly o: ManagerOptions) {
    this.logger = o.logger
    this.now = o.now ?? Date.now
    this.entries = o.config.runners.map((runner) => new RunnerEntry(runner, o.resolveExecutor(runner.executor), o.logger, { retryBackoffMinMs: o.timing?.retryBackoffMinMs }))
    this.rotator = new TokenRotator(o.onTokenRotated, this.now)
    this.done = new Promise((resolve) => (this.resolveDone = resolve))
  }

  get state(): ManagerState {
    return this.stateValue
  }

  /** Jobs running right now. */
  get activeJobs(): number {
    return this.runningJobs
  }

  start(): void {
    if (this.stateValue !== 'idle') return
    this.stateValue = 'running'
    for (const entry of this.entries) {
      if (!entry.provider) entry.logger.error('unknown executor, this runner will not ask for jobs', { executor: entry.config.executor })
      this.rotator.schedule(entry)
    }
    this.logger.info('runner manager started', { runners: this.entries.length, concurrent: this.concurrent, checkIntervalMs: this.checkIntervalMs })
    this.feed()
  }

  /** SIGQUIT: no new jobs, held requests aborted at once, running jobs finish. */
  stopGracefully(): void {
    if (this.stateValue === 'stopped') return
    if (this.stateValue !== 'stopping') this.logger.info('stopping: waiting for running jobs to finish', { jobs: this.runningJobs })
    this.stateValue = 'stopping'
    clearTimeout(this.feederTimer)
    this.rotator.stop()
    for (const entry of this.entries) for (const controller of entry.requestAborts) controller.abort()
    this.checkDone()
  }

  /** SIGTERM/SIGINT: as graceful, and every running job is aborted as interrupted. */
  stopForcefully(signal: string): void {
    this.stopGracefully()
    this.logger.warn('aborting running jobs', { jobs: this.runningJobs, signal })
    for (const abort of this.jobAborts) abort({ kind: 'interrupted', signal })
  }

  /** Releases connections; call after `done`. */
  async close(): Promise<void> {
    await Promise.all(this.entries.map((entry) => entry.client.close()))
  }

  private get concurrent(): number {
    return Math.max(1, this.o.config.concurrent || 1)
  }

  private get checkIntervalMs(): number {
    if (this.o.timing?.checkIntervalMs !== undefined) return this.o.timing.checkIntervalMs
    const seconds = this.o.config.check_interval > 0 ? this.o.config.check_interval : 3

    return seconds * 1000
  }

  /** The feeder: offers one entry per check_interval / number of entries. */
  private feed(): void {
    if (this.stateValue !== 'running' || this.entries.length === 0) return
    const entry = this.entries[this.feederIndex % this.entries.length]!
    this.feederIndex++
    this.offer(entry, 'tick')
    this.feederTimer = setTimeout(() => this.feed(), this.checkIntervalMs / this.entries.length)
  }

  /** Why `entry` may not ask for a job right now, or undefined when it may. */
  private blockedReason(entry: RunnerEntry): string | undefined {
    if (this.stateValue !== 'running') return 'the manager is stopping'
    if (!entry.provider) return `unknown executor ${JSON.stringify(entry.config.executor)}`
    if (entry.skipUntil > this.now()) return `unhealthy until ${new Date(entry.skipUntil).toISOString()}`
    if (this.runningJobs + this.inflightRequests >= this.concurrent) return `concurrent limit of ${this.concurrent} reached`
    if (entry.config.limit > 0 && entry.runningJobs + entry.inflightRequests >= entry.config.limit) return `limit of ${entry.config.limit} reached`
    if (entry.inflightRequests >= entry.requestConcurrency) return `request_concurrency of ${entry.requestConcurrency} reached (a request is in flight)`
    if (this.o.maxBuilds !== undefined && this.receivedJobs + this.inflightRequests >= this.o.maxBuilds) return 'max builds reached'

    return undefined
  }

  private offer(entry: RunnerEntry, why: string): void {
    if (entry.skipUntil !== 0 && entry.skipUntil <= this.now()) {
      // The pause is over: one forced request, with a fresh count.
      entry.skipUntil = 0
      entry.unhealthyCount = 0
    }
    const blocked = this.blockedReason(entry)
    if (blocked) {
      entry.logger.debug('not asking for a job', { reason: blocked, trigger: why })

      return
    }
    void this.requestAndRun(entry)
  }

  private async requestAndRun(entry: RunnerEntry): Promise<void> {
    const controller = new AbortController()
    entry.requestAborts.add(controller)
    entry.inflightRequests++
    this.inflightRequests++
    let payload: unknown
    try {
      const result = await requestJob(entry.client, { token: entry.config.token, systemId: this.o.systemId, info: entry.info, signal: controller.signal })
      this.o.onRequest?.({ runner: entry.config.name, status: result.status, healthy: result.healthy })
      if (result.kind === 'job') {
        payload = result.payload
      } else {
        if (controller.signal.aborted) entry.logger.debug('job request aborted for shutdown')
        else entry.logger[result.level]('no job', { status: result.status, reason: result.message })
      }
      if (entry.recordHealth(result.healthy, this.now())) {
        entry.logger.error('runner is unhealthy, pausing its job requests', { failures: entry.unhealthyCount, until: new Date(entry.skipUntil).toISOString() })
      }
    } catch (err) {
      entry.logger.error('job request failed unexpectedly', { error: formatError(err) })
    } finally {
      entry.requestAborts.delete(controller)
    }

    if (payload === undefined) {
      entry.inflightRequests--
      this.inflightRequests--
      this.checkDone()

      return
    }

    // The request slot becomes a job slot without a gap, so limits never over-admit.
    this.receivedJobs++
    entry.runningJobs++
    this.runningJobs++
    entry.inflightRequests--
    this.inflightRequests--
    if (this.o.maxBuilds !== undefined && this.receivedJobs >= this.o.maxBuilds) this.stopGracefully()
    if (!entry.config.strict_check_interval) this.offer(entry, 'job received')
    try {
      const outcome = await this.runOne(entry, payload)
      this.o.onJobFinished?.(outcome)
    } finally {
      entry.runningJobs--
      this.runningJobs--
      this.checkDone()
      if (!entry.config.strict_check_interval) this.offer(entry, 'job finished')
    }
  }

  private async runOne(entry: RunnerEntry, payload: unknown): Promise<JobOutcome> {
    const token = shortToken(entry.config.token)
    const slots: Array<() => void> = []
    const identity = (job: JobPayload) => {
      const concurrentId = entry.concurrentIds.acquire('all')
      const projectKey = String(job.job_info.project_id)
      const concurrentProjectId = entry.projectIds.acquire(projectKey)
      slots.push(() => entry.concurrentIds.release('all', concurrentId), () => entry.projectIds.release(projectKey, concurrentProjectId))

      return { shortToken: token, systemId: this.o.systemId, concurrentId, concurrentProjectId }
    }
    try {
      return await runJob(
        {
          client: entry.client,
          runner: entry.config,
          info: entry.info,
          provider: entry.provider!,
          artifacts: createArtifactsTransport(entry.client, { retryBackoffMinMs: this.o.timing?.artifactsRetryBackoffMinMs, directDownload: entry.config.feature_flags.FF_USE_DIRECT_DOWNLOAD !== false }),
          runBuild: this.o.runBuild,
          logger: entry.logger,
          traceTiming: this.o.timing?.trace,
          identity,
          track: (abort) => {
            this.jobAborts.add(abort)

            return () => this.jobAborts.delete(abort)
          },
        },
        payload,
      )
    } finally {
      for (const release of slots) release()
    }
  }

  private checkDone(): void {
    if (this.stateValue !== 'stopping' || this.runningJobs > 0 || this.inflightRequests > 0) return
    this.stateValue = 'stopped'
    this.logger.info('runner manager stopped')
    this.resolveDone()
  }
}
