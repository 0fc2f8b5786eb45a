/**
 * The long-running agent (spec 8): a feeder offers each runner entry about once per
 * check_interval; an entry asks GitLab for a job only when it has a free slot under
 * `concurrent`, `limit` and `request_concurrency`. After a job arrives, or a job ends, the
 * entry asks again at once (unless strict_check_interval), so a finished job never waits
 * a whole tick for the next one. A held long poll counts as a slot, and on shutdown every
 * held poll is aborted at once.
 */
import type { GlobalConfig, RunnerConfig } from '../config/runner-config.js'
import { formatError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { shortToken } from '../core/tokens.js'
import { createTraceBuffer } from '../engine/job-log/trace-buffer.js'
import type { WritableTraceStore } from '../engine/job-log/types.js'
import type { AbortReason } from '../engine/types.js'
import type { ExecutorProvider } from '../executors/executor.js'
import type { ApiRequestEvent } from '../gitlab/api-client.js'
import { createArtifactsTransport } from '../gitlab/artifacts-api.js'
import type { JobPayload } from '../gitlab/job-payload.js'
import { requestJob } from '../gitlab/jobs-api.js'
import type { TraceUploaderTiming } from '../gitlab/trace-uploader.js'
import { runJob, type JobOutcome, type RunBuild } from './job-runner.js'
import { RunnerEntry } from './runner-entry.js'
import { SlotAllocator } from './slot-allocator.js'
import { TokenRotator, type OnTokenRotated } from './token-rotation.js'

export interface ManagerTiming {
  /** Overrides check_interval (ms). */
  checkIntervalMs?: number
  trace?: TraceUploaderTiming
  /** Transport backoff base for the API clients. */
  retryBackoffMinMs?: number
  artifactsRetryBackoffMinMs?: number
}

/** Watches one received job (metrics, saved payloads); hooks must not throw. */
export interface JobWatch {
  /** Wraps the job's trace store, e.g. to follow its sections. */
  wrapTrace?(store: WritableTraceStore): WritableTraceStore
  finished?(outcome: JobOutcome): void
}

/** Optional hooks for operators' tools; the manager works the same without them. */
export interface ManagerObserver {
  requestFinished?(event: { runner: RunnerConfig; status: number; healthy: boolean; durationMs: number }): void
  /** Any runner API call of an entry's client finished (job requests included). */
  apiRequestFinished?(event: ApiRequestEvent & { runner: RunnerConfig }): void
  /** A job payload arrived (before it is parsed); may return a watch for its life. */
  jobReceived?(event: { runner: RunnerConfig; payload: unknown }): JobWatch | undefined
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
  observer?: ManagerObserver
}

export type ManagerState = 'idle' | 'running' | 'stopping' | 'stopped'

export class RunnerManager {
  private entries: RunnerEntry[]
  /** Entries a reload removed or replaced, kept until their jobs and requests end. */
  private readonly retired = new Set<RunnerEntry>()
  /** CI_CONCURRENT_ID slots per runner token, shared by an entry and its replacement. */
  private readonly slotsByToken = new Map<string, { concurrent: SlotAllocator; project: SlotAllocator }>()
  private configValue: GlobalConfig
  private readonly jobAborts = new Set<(reason: AbortReason) => void>()
  private rotator: TokenRotator
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
    this.configValue = o.config
    this.entries = o.config.runners.map((runner) => this.createEntry(runner))
    this.rotator = new TokenRotator(o.onTokenRotated, this.now)
    this.done = new Promise((resolve) => (this.resolveDone = resolve))
  }

  get state(): ManagerState {
    return this.stateValue
  }

  /** The configuration in effect (the latest one applied by reloadConfig). */
  get config(): GlobalConfig {
    return this.configValue
  }

  /** Jobs running right now. */
  get activeJobs(): number {
    return this.runningJobs
  }

  start(): void {
    if (this.stateValue !== 'idle') return
    this.stateValue = 'running'
    for (const entry of this.entries) {
      // Executors clean up what a crashed earlier process left (docker: labelled containers).
      void entry.provider?.startup?.({ runner: entry.config, logger: entry.logger })
      this.reportUnusable(entry)
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
    for (const entry of [...this.entries, ...this.retired]) for (const controller of entry.requestAborts) controller.abort()
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
    await Promise.all([...this.entries, ...this.retired].map((entry) => entry.client.close()))
  }

  /**
   * Applies a new configuration without stopping running jobs (SIGHUP, file change):
   * `concurrent` and `check_interval` apply at once; a runner entry that is new or changed
   * gets a fresh client; a removed or replaced one stops asking for jobs, and its running
   * jobs finish with the settings they started with. Returns what changed, for the log.
   */
  reloadConfig(config: GlobalConfig): { added: number; removed: number; changed: number } {
    const previous = new Map(this.entries.map((entry) => [entryKey(entry.config), entry]))
    const next: RunnerEntry[] = []
    const counts = { added: 0, removed: 0, changed: 0 }
    for (const runner of config.runners) {
      const old = previous.get(entryKey(runner))
      previous.delete(entryKey(runner))
      if (old && sameRunnerSettings(old.config, runner)) {
        // Token timestamps are written back by rotation itself: take them over in place.
        old.config.token_obtained_at = runner.token_obtained_at
        old.config.token_expires_at = runner.token_expires_at
        next.push(old)
        continue
      }
      if (old) this.retire(old)
      counts[old ? 'changed' : 'added']++
      next.push(this.createEntry(runner))
    }
    for (const old of previous.values()) {
      this.retire(old)
      counts.removed++
    }
    this.entries = next
    this.configValue = { ...config, runners: next.map((entry) => entry.config) }

    if (this.stateValue === 'running') {
      // Timers belong to entries; a fresh rotator forgets the retired ones.
      this.rotator.stop()
      this.rotator = new TokenRotator(this.o.onTokenRotated, this.now)
      for (const entry of this.entries) this.rotator.schedule(entry)
      clearTimeout(this.feederTimer)
      this.logger.info('configuration reloaded', { ...counts, runners: this.entries.length, concurrent: this.concurrent, checkIntervalMs: this.checkIntervalMs })
      for (const entry of this.entries) this.offer(entry, 'config reloaded')
      this.feederTimer = setTimeout(() => this.feed(), this.checkIntervalMs / Math.max(1, this.entries.length))
    }

    return counts
  }

  private createEntry(runner: RunnerConfig): RunnerEntry {
    const entry = new RunnerEntry(runner, this.o.resolveExecutor(runner.executor), this.o.logger, {
      retryBackoffMinMs: this.o.timing?.retryBackoffMinMs,
      onApiRequest: (config, event) => this.o.observer?.apiRequestFinished?.({ ...event, runner: config }),
    })
    if (this.stateValue === 'running') this.reportUnusable(entry)

    return entry
  }

  /** Says once, at start or reload, why an entry will never ask for jobs as configured. */
  private reportUnusable(entry: RunnerEntry): void {
    if (!entry.provider) entry.logger.error('unknown executor, this runner will not ask for jobs', { executor: entry.config.executor })
    if (entry.client.clientError !== undefined) {
      entry.logger.error('this runner will not ask for jobs: its GitLab URL or TLS files cannot be used; fix config.toml (it is reloaded on change)', { error: formatError(entry.client.clientError) })
    }
  }

  /** Stops offering `entry`; held requests are aborted, running jobs go on. */
  private retire(entry: RunnerEntry): void {
    this.retired.add(entry)
    for (const controller of entry.requestAborts) controller.abort()
    this.closeRetired()
  }

  private closeRetired(): void {
    for (const entry of this.retired) {
      if (entry.runningJobs > 0 || entry.inflightRequests > 0) continue
      this.retired.delete(entry)
      void entry.client.close()
    }
  }

  /** Running jobs and requests of every entry (live or retired) with this entry's token. */
  private tokenLoad(entry: RunnerEntry): number {
    let load = 0
    for (const other of [...this.entries, ...this.retired]) {
      if (other.config.token === entry.config.token) load += other.runningJobs + other.inflightRequests
    }

    return load
  }

  private slotsFor(entry: RunnerEntry): { concurrent: SlotAllocator; project: SlotAllocator } {
    let slots = this.slotsByToken.get(entry.config.token)
    if (!slots) {
      slots = { concurrent: entry.concurrentIds, project: entry.projectIds }
      this.slotsByToken.set(entry.config.token, slots)
    }

    return slots
  }

  private get concurrent(): number {
    return Math.max(1, this.configValue.concurrent || 1)
  }

  private get checkIntervalMs(): number {
    if (this.o.timing?.checkIntervalMs !== undefined) return this.o.timing.checkIntervalMs
    const seconds = this.configValue.check_interval > 0 ? this.configValue.check_interval : 3

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
    if (!this.entries.includes(entry)) return 'removed from the configuration'
    if (!entry.provider) return `unknown executor ${JSON.stringify(entry.config.executor)}`
    if (entry.client.clientError !== undefined) return 'its GitLab URL or TLS files cannot be used'
    if (entry.skipUntil > this.now()) return `unhealthy until ${new Date(entry.skipUntil).toISOString()}`
    if (this.runningJobs + this.inflightRequests >= this.concurrent) return `concurrent limit of ${this.concurrent} reached`
    if (entry.config.limit > 0 && this.tokenLoad(entry) >= entry.config.limit) return `limit of ${entry.config.limit} reached`
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
    let askAgain = false
    const requestedAt = Date.now()
    try {
      const token = entry.config.token
      const result = await requestJob(entry.client, { token, systemId: this.o.systemId, info: entry.info, signal: controller.signal })
      // A 403 for a token rotated while the request was in flight says nothing about the
      // runner's health: ask again at once with the new token.
      const rotatedMeanwhile = token !== entry.config.token && result.status === 403
      this.o.onRequest?.({ runner: entry.config.name, status: result.status, healthy: result.healthy })
      this.o.observer?.requestFinished?.({ runner: entry.config, status: result.status, healthy: result.healthy, durationMs: Date.now() - requestedAt })
      if (result.kind === 'job') {
        payload = result.payload
      } else {
        askAgain = (result.longPollEnded === true || rotatedMeanwhile) && !controller.signal.aborted
        if (controller.signal.aborted) entry.logger.debug('job request aborted for shutdown')
        else if (rotatedMeanwhile) entry.logger.debug('job request refused for the token rotated meanwhile; asking again')
        else entry.logger[result.level]('no job', { status: result.status, reason: result.message })
      }
      if (!rotatedMeanwhile && entry.recordHealth(result.healthy, this.now())) {
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
      this.closeRetired()
      this.checkDone()
      // A held request woken by a queue change must not wait a whole check_interval.
      if (askAgain) this.offer(entry, 'long poll ended')

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
      this.closeRetired()
      this.checkDone()
      if (!entry.config.strict_check_interval) this.offer(entry, 'job finished')
    }
  }

  private async runOne(entry: RunnerEntry, payload: unknown): Promise<JobOutcome> {
    const token = shortToken(entry.config.token)
    const slots: Array<() => void> = []
    const allocators = this.slotsFor(entry)
    const identity = (job: JobPayload) => {
      const concurrentId = allocators.concurrent.acquire('all')
      const projectKey = String(job.job_info.project_id)
      const concurrentProjectId = allocators.project.acquire(projectKey)
      slots.push(() => allocators.concurrent.release('all', concurrentId), () => allocators.project.release(projectKey, concurrentProjectId))

      return { shortToken: token, systemId: this.o.systemId, concurrentId, concurrentProjectId }
    }
    const watch = this.watchJob(entry, payload)
    const wrapTrace = watch?.wrapTrace?.bind(watch)
    try {
      const outcome = await runJob(
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
          ...(wrapTrace ? { createTrace: () => wrapTrace(createTraceBuffer()) } : {}),
        },
        payload,
      )
      try {
        watch?.finished?.(outcome)
      } catch (err) {
        entry.logger.warn('a job observer failed', { error: formatError(err) })
      }

      return outcome
    } finally {
      for (const release of slots) release()
    }
  }

  private watchJob(entry: RunnerEntry, payload: unknown): JobWatch | undefined {
    try {
      return this.o.observer?.jobReceived?.({ runner: entry.config, payload })
    } catch (err) {
      entry.logger.warn('a job observer failed', { error: formatError(err) })

      return undefined
    }
  }

  private checkDone(): void {
    if (this.stateValue !== 'stopping' || this.runningJobs > 0 || this.inflightRequests > 0) return
    this.stateValue = 'stopped'
    this.logger.info('runner manager stopped')
    this.resolveDone()
  }
}

/** Entries are the same runner when token and URL match. */
function entryKey(runner: RunnerConfig): string {
  return `${runner.url}\u0000${runner.token}`
}

/** Same settings, ignoring the token timestamps that rotation writes back. */
function sameRunnerSettings(a: RunnerConfig, b: RunnerConfig): boolean {
  const strip = ({ token_obtained_at: _obtained, token_expires_at: _expires, ...rest }: RunnerConfig) => rest

  return JSON.stringify(strip(a)) === JSON.stringify(strip(b))
}
