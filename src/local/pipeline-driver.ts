/**
 * Drives one pipeline (or child pipeline) of a local run: asks the scheduler which jobs may
 * start, enqueues them in the coordinator, waits for their final state, feeds results and
 * dotenv reports back, and runs trigger jobs' child pipelines.
 */
import { mkdir, mkdtemp, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { formatError } from '../core/errors.js'
import type { Coordinator, JobRecord } from '../coordinator/index.js'
import { extractZipArchive } from '../helpers/archive/index.js'
import { compileChildPipeline, formatCompileError, type CompileOptions, type PipelinePlan, type PlanJob } from '../pipeline/index.js'
import { parseDotenv } from '../pipeline/dotenv.js'
import {
  applyDotenv,
  artifactProducers,
  createPipelineRun,
  jobState,
  jobVariables,
  nextRunnable,
  pipelineStatus,
  recordResult,
  type JobResult,
  type PipelineRun,
  type PipelineStatus,
} from '../pipeline/scheduler.js'
import type { JobLogFiles } from './job-log-files.js'
import type { JobLogPrinter } from './job-log-printer.js'
import { planJobToJobSpec } from './plan-to-job-spec.js'
import type { JobSummary } from './run-pipeline.js'
import type { Snapshot } from './snapshot.js'

/** What every pipeline of one local run shares. */
export interface DriverContext {
  coordinator: Coordinator
  projectPath: string
  snapshot: Snapshot
  compileOptions: CompileOptions
  printer: JobLogPrinter
  write: (text: string) => void
  logs: JobLogFiles
  tmpDir: string
  nextPipelineId: () => number
}

interface Attempt {
  coordinatorId: number | undefined
  startedAt: number
  finishedAt?: number
  failureReason?: string
}

const FINAL_STATES = ['success', 'failed', 'canceled']

export class PipelineDriver {
  readonly #run: PipelineRun
  readonly #pipelineId: number
  readonly #attempts = new Map<string, Attempt>()
  readonly #byCoordinatorId = new Map<number, string>()
  readonly #children: PipelineDriver[] = []
  readonly #pending: Promise<unknown>[] = []
  #canceled = false

  constructor(
    private readonly context: DriverContext,
    private readonly plan: PipelinePlan,
    private readonly options: { manualJobs: string[]; labelPrefix: string },
  ) {
    this.#run = createPipelineRun(plan, { manualJobs: options.manualJobs })
    this.#pipelineId = context.nextPipelineId()
  }

  /** Runs every job that can run and resolves with the pipeline status. */
  async run(): Promise<PipelineStatus> {
    const { coordinator } = this.context
    const onTrace = (record: JobRecord, chunk: Buffer) => {
      const name = this.#byCoordinatorId.get(record.id)
      if (name !== undefined) this.context.printer.write(this.#label(name), chunk)
    }
    coordinator.events.on('trace', onTrace)

    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (err: unknown) => {
          coordinator.events.off('job-state', onState)
          reject(err)
        }
        const advance = () => {
          for (const job of nextRunnable(this.#run)) this.#start(job, advance).catch(fail)
          if (pipelineStatus(this.#run) !== 'running') {
            coordinator.events.off('job-state', onState)
            resolve()
          }
        }
        const onState = (record: JobRecord) => {
          const name = this.#byCoordinatorId.get(record.id)
          if (name === undefined || !FINAL_STATES.includes(record.state)) return
          if (this.#attempts.get(name)?.coordinatorId !== record.id) return
          this.#finishJob(name, record).then(advance, fail)
        }
        coordinator.events.on('job-state', onState)
        advance()
      })
      // Children not waited for (no `strategy: depend`) still finish before the run ends.
      await Promise.all(this.#pending)
    } finally {
      coordinator.events.off('trace', onTrace)
    }

    return pipelineStatus(this.#run)
  }

  /**
   * Stops starting jobs: those not started yet are canceled, running ones finish (the
   * caller aborts them), child pipelines likewise.
   */
  cancel(): void {
    this.#canceled = true
    for (const state of this.#run.jobs.values()) {
      if (state.status === 'created' || state.status === 'manual') state.status = 'canceled'
    }
    // As a cancel from GitLab's UI: jobs no runner picked up yet are dropped; running ones
    // get Job-Status canceling, so their script stops and after_script still runs.
    for (const attempt of this.#attempts.values()) {
      const job = attempt.coordinatorId === undefined ? undefined : this.context.coordinator.job(attempt.coordinatorId)
      if (job?.state === 'pending') this.context.coordinator.cancelJob(job.id, 'hard')
      else if (job?.state === 'running') this.context.coordinator.cancelJob(job.id, 'graceful')
    }
    for (const child of this.#children) child.cancel()
  }

  /** Running jobs (label and start time) and job counts, for the status line. */
  progress(): { running: Array<{ label: string; startedAt: number }>; finished: number; total: number } {
    const running: Array<{ label: string; startedAt: number }> = []
    let finished = 0
    let total = 0
    for (const state of this.#run.jobs.values()) {
      total++
      if (['success', 'failed', 'canceled', 'skipped'].includes(state.status)) finished++
      const attempt = this.#attempts.get(state.job.name)
      if (state.status === 'running' && attempt !== undefined && state.job.trigger === undefined) {
        running.push({ label: this.#label(state.job.name), startedAt: attempt.startedAt })
      }
    }
    for (const child of this.#children) {
      const sub = child.progress()
      running.push(...sub.running)
      finished += sub.finished
      total += sub.total
    }

    return { running, finished, total }
  }

  /** One row per job of this pipeline and its child pipelines. */
  summaries(): JobSummary[] {
    const rows: JobSummary[] = []
    for (const state of this.#run.jobs.values()) {
      const attempt = this.#attempts.get(state.job.name)
      const duration = attempt?.finishedAt !== undefined ? Math.round((attempt.finishedAt - attempt.startedAt) / 100) / 10 : null
      rows.push({
        name: this.#label(state.job.name),
        stage: state.job.stage,
        status: state.status,
        exit_code: state.exitCode ?? null,
        duration_s: duration,
        failure_reason: attempt?.failureReason ?? null,
        allow_failure: state.job.allowFailure !== false,
        failure_allowed: state.allowedFailure,
        attempts: state.attempts,
      })
    }
    for (const child of this.#children) rows.push(...child.summaries())

    return rows
  }

  #label(name: string): string {
    return `${this.options.labelPrefix}${name}`
  }

  async #start(job: PlanJob, advance: () => void): Promise<void> {
    if (this.#canceled) return
    if (job.trigger !== undefined) return this.#startTrigger(job, advance)

    const dependencyIds = artifactProducers(this.#run, job.name)
      .map((producer) => this.#attempts.get(producer)?.coordinatorId)
      .filter((id): id is number => id !== undefined)
    const extraVariables = jobVariables(this.#run, job.name).filter((variable) => !job.variables.includes(variable))
    const { plan, context } = this
    const spec = planJobToJobSpec(job, {
      projectPath: context.projectPath,
      ref: plan.git.tag ?? plan.git.branch ?? context.snapshot.branch,
      refType: plan.git.tag !== undefined ? 'tag' : 'branch',
      sha: context.snapshot.sha,
      beforeSha: plan.git.beforeSha,
      pipelineId: this.#pipelineId,
      dependencyIds,
      extraVariables,
    })
    const enqueued = context.coordinator.enqueueJob(spec)
    this.#attempts.set(job.name, { coordinatorId: enqueued.id, startedAt: Date.now() })
    this.#byCoordinatorId.set(enqueued.id, job.name)
  }

  async #finishJob(name: string, record: JobRecord): Promise<void> {
    const label = this.#label(name)
    this.context.printer.flush(label)
    const attempt = this.#attempts.get(name)
    if (attempt !== undefined) {
      attempt.finishedAt = Date.now()
      if (record.failureReason) attempt.failureReason = record.failureReason
    }
    await this.context.logs.save(label, record.trace)

    const dotenvError = await this.#collectDotenv(name, record)
    if (dotenvError !== undefined) this.context.write(`${label}: ${dotenvError}\n`)
    // A job stopped because the user stopped the run shows as canceled, as on GitLab.
    const ended = this.#canceled && record.state === 'failed' ? 'canceled' : (record.state as JobResult['status'])
    const status = dotenvError === undefined ? ended : 'failed'
    this.#record(name, {
      status,
      ...(record.exitCode !== undefined ? { exitCode: record.exitCode } : {}),
      ...(record.failureReason ? { failureReason: record.failureReason } : {}),
    })
  }

  #record(name: string, result: JobResult): void {
    const { retry } = recordResult(this.#run, name, result)
    if (!retry) return

    this.context.write(`${this.#label(name)}: retrying (attempt ${jobState(this.#run, name).attempts})\n`)
    void this.#start(jobState(this.#run, name).job, () => undefined)
  }

  /** Reads the job's dotenv report, if any, and hands its variables to later jobs. */
  async #collectDotenv(name: string, record: JobRecord): Promise<string | undefined> {
    const report = record.artifacts.find((artifact) => artifact.artifactType === 'dotenv')
    if (report === undefined) return undefined

    try {
      const raw = await readFile(report.path)
      const parsed = parseDotenv(report.artifactFormat === 'gzip' ? gunzipSync(raw) : raw)
      if (!parsed.ok) return `dotenv report rejected: ${parsed.error}`
      applyDotenv(this.#run, name, parsed.variables)

      return undefined
    } catch (err) {
      return `reading the dotenv report: ${formatError(err)}`
    }
  }

  async #startTrigger(bridge: PlanJob, advance: () => void): Promise<void> {
    const label = this.#label(bridge.name)
    const attempt: Attempt = { coordinatorId: undefined, startedAt: Date.now() }
    this.#attempts.set(bridge.name, attempt)
    const settle = (result: JobResult) => {
      attempt.finishedAt = Date.now()
      this.#record(bridge.name, result)
      advance()
    }

    const trigger = bridge.trigger
    if (trigger === undefined || trigger.include.length === 0) {
      this.context.write(`${label}: multi-project trigger to ${trigger?.project ?? 'another project'} is not available offline; skipped\n`)
      queueMicrotask(() => settle({ status: 'skipped' }))

      return
    }

    const compiled = await compileChildPipeline({
      parent: this.context.compileOptions,
      plan: this.plan,
      bridge,
      artifactFiles: await this.#artifactIncludeFiles(bridge),
    })
    if (!compiled.ok) {
      const problems = compiled.errors.map(formatCompileError)
      this.context.write(`${label}: child pipeline is invalid:\n  ${problems.join('\n  ')}\n`)
      attempt.failureReason = 'downstream_pipeline_creation_failed'
      settle({ status: 'failed', failureReason: 'downstream_pipeline_creation_failed' })

      return
    }

    this.context.write(`${label}: running child pipeline (${compiled.pipeline.jobs.length} jobs${trigger.strategy === 'depend' ? ', strategy: depend' : ''})\n`)
    const child = new PipelineDriver(this.context, compiled.pipeline, { manualJobs: [], labelPrefix: `${label} > ` })
    this.#children.push(child)
    const childRun = child.run()
    if (trigger.strategy === 'depend') {
      const status = await childRun
      settle({ status: status === 'success' ? 'success' : status === 'canceled' ? 'canceled' : 'failed' })
    } else {
      // Without `strategy: depend` the trigger job succeeds once the child pipeline exists.
      this.#pending.push(childRun)
      queueMicrotask(() => settle({ status: 'success' }))
    }
  }

  /** For `trigger:include:artifact`: the named files from the producing jobs' archives. */
  async #artifactIncludeFiles(bridge: PlanJob): Promise<Record<string, string>> {
    const files: Record<string, string> = {}
    for (const include of bridge.trigger?.include ?? []) {
      if (include.artifact === undefined || include.job === undefined) continue
      const producerId = this.#attempts.get(include.job)?.coordinatorId
      const archive = producerId === undefined ? undefined : this.context.coordinator.job(producerId)?.artifacts.find((a) => a.artifactType === 'archive')
      if (archive === undefined) continue

      await mkdir(this.context.tmpDir, { recursive: true })
      const dir = await mkdtemp(join(this.context.tmpDir, 'artifact-include-'))
      await extractZipArchive({ archivePath: archive.path, destinationDir: dir })
      files[`${include.job}:${include.artifact}`] = join(dir, include.artifact)
    }

    return files
  }
}

