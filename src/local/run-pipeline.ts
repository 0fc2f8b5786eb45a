/**
 * `glrunner exec`: runs a compiled pipeline on this machine through the real runner.
 *
 * The pieces are the production ones: an embedded coordinator serves the snapshot of the
 * working tree over git smart HTTP and hands out each job as the payload GitLab would
 * send; a RunnerManager picks jobs up over HTTP with long polling and runs them with the
 * job engine; the pipeline scheduler decides which job may start when. This module only
 * wires them together and reports progress.
 */
import { gunzipSync } from 'node:zlib'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultGlobalConfig, defaultRunnerConfig } from '../config/runner-config.js'
import { formatError, GlrunnerError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { startCoordinator, type Coordinator, type JobRecord } from '../coordinator/index.js'
import { runBuild } from '../engine/build.js'
import { getExecutorProvider } from '../executors/registry.js'
import { RunnerManager } from '../manager/runner-manager.js'
import type { PipelinePlan, PlanJob } from '../pipeline/index.js'
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
  type PipelineRun,
  type PipelineStatus,
} from '../pipeline/scheduler.js'
import { JobLogPrinter } from './job-log-printer.js'
import { planJobToJobSpec } from './plan-to-job-spec.js'
import type { Snapshot } from './snapshot.js'
import type { StateDir } from './state-dir.js'

export interface JobSummary {
  name: string
  stage: string
  status: string
  exit_code: number | null
  duration_s: number | null
  failure_reason: string | null
  allow_failure: boolean
}

export interface PipelineSummary {
  status: PipelineStatus
  jobs: JobSummary[]
  /** Folder holding each job's full raw log. */
  logsDir: string
}

export interface RunPipelineOptions {
  plan: PipelinePlan
  snapshot: Snapshot
  state: StateDir
  executor: string
  concurrency: number
  /** Manual jobs to play. */
  manualJobs: string[]
  logger: Logger
  write: (text: string) => void
  colour: boolean
}

interface Attempt {
  coordinatorId: number
  startedAt: number
}

/** Runs the plan to its end and returns the summary; never leaves servers running. */
export async function runPipeline(options: RunPipelineOptions): Promise<PipelineSummary> {
  const provider = getExecutorProvider(options.executor)
  if (provider === undefined) {
    throw new GlrunnerError('GLR_UNKNOWN_EXECUTOR', `executor "${options.executor}" is not available`, {
      failureReason: 'runner_configuration_error',
      hint: 'glrunner exec supports --executor shell for now.',
    })
  }

  const pipelineId = Date.now() % 1_000_000_000
  const logsDir = join(options.state.logs, String(pipelineId))
  await mkdir(logsDir, { recursive: true })

  const coordinator = await startCoordinator({ dataDir: options.state.coordinator, longPollSeconds: 50, traceUpdateIntervalSeconds: 1 })
  const manager = startLocalRunner(coordinator, options)
  let finished = false
  try {
    const summary = await drivePipeline(coordinator, options, pipelineId, logsDir)
    finished = true

    return summary
  } finally {
    // After a normal end no job is running; after an error, running jobs are aborted.
    if (finished) manager.stopGracefully()
    else manager.stopForcefully('SIGTERM')
    await manager.done
    await manager.close()
    await coordinator.close()
  }
}

function startLocalRunner(coordinator: Coordinator, options: RunPipelineOptions): RunnerManager {
  const runner = coordinator.createRunner({ runUntagged: true })
  const concurrency = Math.max(1, options.concurrency)
  const config = defaultGlobalConfig({
    concurrent: concurrency,
    check_interval: 1,
    runners: [
      defaultRunnerConfig({
        name: 'glrunner-exec',
        url: coordinator.url,
        token: runner.token,
        executor: options.executor,
        limit: concurrency,
        request_concurrency: concurrency,
        builds_dir: options.state.builds,
        cache_dir: options.state.cache,
      }),
    ],
  })
  const manager = new RunnerManager({
    config,
    systemId: 'r_glrunnerexec',
    logger: options.logger,
    runBuild,
    resolveExecutor: getExecutorProvider,
  })
  manager.start()

  return manager
}

async function drivePipeline(coordinator: Coordinator, options: RunPipelineOptions, pipelineId: number, logsDir: string): Promise<PipelineSummary> {
  const { plan, snapshot } = options
  const project = coordinator.addProject({ path: plan.git.projectPath, repoDir: snapshot.repoDir })
  const run = createPipelineRun(plan, { manualJobs: options.manualJobs })
  const printer = new JobLogPrinter({ colour: options.colour, write: options.write }, plan.jobs.map((job) => job.name))
  const attempts = new Map<string, Attempt>()
  const byCoordinatorId = new Map<number, string>()
  const finishedAt = new Map<string, number>()
  const failureReasons = new Map<string, string>()

  const onTrace = (record: JobRecord, chunk: Buffer) => {
    const name = byCoordinatorId.get(record.id)
    if (name !== undefined) printer.write(name, chunk)
  }
  coordinator.events.on('trace', onTrace)

  const start = (job: PlanJob) => {
    const dependencyIds = artifactProducers(run, job.name)
      .map((producer) => attempts.get(producer)?.coordinatorId)
      .filter((id): id is number => id !== undefined)
    const spec = planJobToJobSpec(job, {
      projectPath: project.path,
      ref: plan.git.tag ?? plan.git.branch ?? snapshot.branch,
      refType: plan.git.tag !== undefined ? 'tag' : 'branch',
      sha: snapshot.sha,
      beforeSha: plan.git.beforeSha,
      pipelineId,
      dependencyIds,
      extraVariables: jobVariables(run, job.name).filter((variable) => !job.variables.includes(variable)),
    })
    const enqueued = coordinator.enqueueJob(spec)
    attempts.set(job.name, { coordinatorId: enqueued.id, startedAt: Date.now() })
    byCoordinatorId.set(enqueued.id, job.name)
  }

  await new Promise<void>((resolve, reject) => {
    const onState = (record: JobRecord) => {
      const name = byCoordinatorId.get(record.id)
      if (name === undefined || !['success', 'failed', 'canceled'].includes(record.state)) return
      if (attempts.get(name)?.coordinatorId !== record.id) return

      void finishJob(name, record).then(advance).catch((err: unknown) => {
        coordinator.events.off('job-state', onState)
        reject(err)
      })
    }

    const finishJob = async (name: string, record: JobRecord) => {
      printer.flush(name)
      finishedAt.set(name, Date.now())
      await writeFile(join(logsDir, `${safeFileName(name)}.log`), record.trace)
      if (record.failureReason) failureReasons.set(name, record.failureReason)

      const status = record.state as 'success' | 'failed' | 'canceled'
      const dotenvError = await collectDotenv(run, name, record)
      const result = dotenvError === undefined ? status : 'failed'
      if (dotenvError !== undefined) options.write(`${name}: ${dotenvError}\n`)

      const { retry } = recordResult(run, name, {
        status: result,
        ...(record.exitCode !== undefined ? { exitCode: record.exitCode } : {}),
        ...(record.failureReason ? { failureReason: record.failureReason } : {}),
      })
      if (retry) {
        options.write(`${name}: retrying (attempt ${jobState(run, name).attempts})\n`)
        start(jobState(run, name).job)
      }
    }

    const advance = () => {
      for (const job of nextRunnable(run)) start(job)
      if (pipelineStatus(run) !== 'running') {
        coordinator.events.off('job-state', onState)
        resolve()
      }
    }

    coordinator.events.on('job-state', onState)
    advance()
  })
  coordinator.events.off('trace', onTrace)

  return summarise(run, attempts, finishedAt, failureReasons, logsDir)
}

/** Reads the job's dotenv report, if any, and hands its variables to later jobs. */
async function collectDotenv(run: PipelineRun, name: string, record: JobRecord): Promise<string | undefined> {
  const report = record.artifacts.find((artifact) => artifact.artifactType === 'dotenv')
  if (report === undefined) return undefined

  try {
    const raw = await readFile(report.path)
    const text = report.artifactFormat === 'gzip' ? gunzipSync(raw) : raw
    const parsed = parseDotenv(text)
    if (!parsed.ok) return `dotenv report rejected: ${parsed.error}`
    applyDotenv(run, name, parsed.variables)

    return undefined
  } catch (err) {
    return `reading the dotenv report: ${formatError(err)}`
  }
}

function summarise(
  run: PipelineRun,
  attempts: Map<string, Attempt>,
  finishedAt: Map<string, number>,
  failureReasons: Map<string, string>,
  logsDir: string,
): PipelineSummary {
  const jobs = [...run.jobs.values()].map((state): JobSummary => {
    const attempt = attempts.get(state.job.name)
    const end = finishedAt.get(state.job.name)
    const duration = attempt !== undefined && end !== undefined ? Math.round((end - attempt.startedAt) / 100) / 10 : null

    return {
      name: state.job.name,
      stage: state.job.stage,
      status: state.status,
      exit_code: state.exitCode ?? null,
      duration_s: duration,
      failure_reason: failureReasons.get(state.job.name) ?? null,
      allow_failure: state.allowedFailure,
    }
  })

  return { status: pipelineStatus(run), jobs, logsDir }
}

function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_')
}
