/**
 * glrunner's Prometheus metrics. Names follow the official runner where the meaning is the
 * same (`gitlab_runner_*`), so existing dashboards and alerts keep working; what only
 * glrunner has is prefixed `glrunner_`. Every label takes values from a closed set or from
 * the configuration (runner short tokens), never from job content.
 */
import { arch, platform } from 'node:os'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { GlobalConfig, RunnerConfig } from '../config/runner-config.js'
import type { Logger } from '../core/logger.js'
import { shortToken } from '../core/tokens.js'
import { GLRUNNER_REVISION, GLRUNNER_VERSION } from '../core/version.js'
import type { JobOutcome } from '../manager/job-runner.js'
import type { JobWatch, ManagerObserver } from '../manager/runner-manager.js'
import { trackStages, type TrackedStage } from './stage-tracker.js'

export interface RunnerMetricsOptions {
  systemId: string
  /** The configuration in effect right now (read at every scrape, so reloads show). */
  config: () => GlobalConfig
  /** Per-stage duration histograms (glrunner_job_stage_duration_seconds); default on. */
  stageHistograms?: boolean
  now?: () => number
}

/** The official runner's job duration buckets (seconds): 30 s to 10 h. */
const JOB_DURATION_BUCKETS = [30, 60, 300, 600, 1800, 3600, 7200, 10800, 18000, 36000]
const STAGE_DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]
const JOB_LABELS = ['runner', 'system_id', 'state', 'stage', 'executor_stage', 'executor'] as const

export class RunnerMetrics {
  readonly registry = new Registry()
  private readonly jobs: Gauge<(typeof JOB_LABELS)[number]>
  private readonly jobsTotal: Counter<'runner' | 'system_id'>
  private readonly failedJobs: Counter<'runner' | 'system_id' | 'failure_reason'>
  private readonly jobDuration: Histogram<'runner' | 'system_id'>
  private readonly apiStatuses: Counter<'runner' | 'system_id' | 'endpoint' | 'status'>
  private readonly errors: Counter<'level'>
  private readonly stageDuration: Histogram<'stage' | 'executor'> | undefined
  private readonly reloads: Counter<'result'>
  private readonly now: () => number

  constructor(private readonly o: RunnerMetricsOptions) {
    this.now = o.now ?? Date.now
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry })

    new Gauge({
      name: 'gitlab_runner_version_info',
      help: 'The runner version, revision, Node.js version, OS and architecture (always 1).',
      labelNames: ['name', 'version', 'revision', 'node_version', 'os', 'architecture'],
      registers,
    }).set({ name: 'glrunner', version: GLRUNNER_VERSION, revision: GLRUNNER_REVISION, node_version: process.version, os: platform(), architecture: arch() }, 1)

    const config = o.config
    new Gauge({
      name: 'gitlab_runner_concurrent',
      help: 'The global concurrent setting: jobs running at once across all runners.',
      registers,
      collect() {
        this.set(Math.max(1, config().concurrent || 1))
      },
    })
    const systemId = o.systemId
    new Gauge({
      name: 'gitlab_runner_limit',
      help: 'The limit setting of each runner entry (0 = unlimited).',
      labelNames: ['runner', 'system_id'],
      registers,
      collect() {
        this.reset()
        for (const runner of config().runners) this.set({ runner: runnerLabel(runner), system_id: systemId }, runner.limit)
      },
    })
    this.jobs = new Gauge({ name: 'gitlab_runner_jobs', help: 'Jobs being run now, by stage.', labelNames: [...JOB_LABELS], registers })
    this.jobsTotal = new Counter({ name: 'gitlab_runner_jobs_total', help: 'Jobs received from GitLab.', labelNames: ['runner', 'system_id'], registers })
    this.failedJobs = new Counter({ name: 'gitlab_runner_failed_jobs_total', help: 'Jobs that failed, by failure reason.', labelNames: ['runner', 'system_id', 'failure_reason'], registers })
    this.jobDuration = new Histogram({ name: 'gitlab_runner_job_duration_seconds', help: 'Job durations, from receipt to final update.', labelNames: ['runner', 'system_id'], buckets: JOB_DURATION_BUCKETS, registers })
    this.apiStatuses = new Counter({ name: 'gitlab_runner_api_request_statuses_total', help: 'GitLab API answers by endpoint and HTTP status (-1: no answer).', labelNames: ['runner', 'system_id', 'endpoint', 'status'], registers })
    this.errors = new Counter({ name: 'gitlab_runner_errors_total', help: 'Warnings and errors written to the process log.', labelNames: ['level'], registers })
    this.reloads = new Counter({ name: 'glrunner_config_reloads_total', help: 'Configuration reloads, by result.', labelNames: ['result'], registers })
    if (o.stageHistograms !== false) {
      this.stageDuration = new Histogram({ name: 'glrunner_job_stage_duration_seconds', help: 'Time spent in each job stage.', labelNames: ['stage', 'executor'], buckets: STAGE_DURATION_BUCKETS, registers })
    }
    // Zeroes make the series visible before the first event, which alerts rely on.
    for (const level of ['warning', 'error']) this.errors.inc({ level }, 0)
    for (const result of ['success', 'failure']) this.reloads.inc({ result }, 0)
  }

  /** Hooks for RunnerManager's `observer` option. */
  observer(): ManagerObserver {
    return {
      apiRequestFinished: (event) => this.apiStatuses.inc({ ...this.runnerLabels(event.runner), endpoint: event.endpoint, status: String(event.status) }),
      jobReceived: (event) => this.watchJob(event.runner),
    }
  }

  /** A logger that counts what it writes at warn and error level, then passes it on. */
  countingLogger(inner: Logger): Logger {
    const errors = this.errors
    const wrap = (logger: Logger): Logger => ({
      debug: (message, fields) => logger.debug(message, fields),
      info: (message, fields) => logger.info(message, fields),
      warn: (message, fields) => {
        errors.inc({ level: 'warning' })
        logger.warn(message, fields)
      },
      error: (message, fields) => {
        errors.inc({ level: 'error' })
        logger.error(message, fields)
      },
      child: (fields) => wrap(logger.child(fields)),
      setLevel: (level) => logger.setLevel(level),
    })

    return wrap(inner)
  }

  configReloaded(ok: boolean): void {
    this.reloads.inc({ result: ok ? 'success' : 'failure' })
  }

  private runnerLabels(runner: RunnerConfig): { runner: string; system_id: string } {
    return { runner: runnerLabel(runner), system_id: this.o.systemId }
  }

  private watchJob(runner: RunnerConfig): JobWatch {
    const base = this.runnerLabels(runner)
    const executor = runner.executor
    const receivedAt = this.now()
    this.jobsTotal.inc(base)
    let labels = { ...base, state: 'running', stage: 'received', executor_stage: '', executor }
    this.jobs.inc(labels)
    const move = (stage: string) => {
      this.jobs.dec(labels)
      labels = { ...labels, stage }
      this.jobs.inc(labels)
    }
    const events = {
      stageStarted: (stage: TrackedStage) => move(stage),
      stageEnded: (stage: TrackedStage, durationMs: number) => this.stageDuration?.observe({ stage, executor }, durationMs / 1000),
    }

    return {
      wrapTrace: (store) => trackStages(store, events, this.now),
      finished: (outcome: JobOutcome) => {
        this.jobs.dec(labels)
        this.jobDuration.observe(base, (this.now() - receivedAt) / 1000)
        if (outcome.state === 'failed') this.failedJobs.inc({ ...base, failure_reason: outcome.failureReason ?? 'unknown_failure' })
      },
    }
  }
}

/** The official runner labels series with the short token (first 8 characters). */
function runnerLabel(runner: RunnerConfig): string {
  return shortToken(runner.token).slice(0, 8)
}
