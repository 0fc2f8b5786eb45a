/**
 * `glrunner exec`: runs a compiled pipeline on this machine through the real runner.
 *
 * The pieces are the production ones: an embedded coordinator serves the snapshot of the
 * working tree over git smart HTTP and hands out each job as the payload GitLab would
 * send; a RunnerManager picks jobs up over HTTP with long polling and runs them with the
 * job engine; the pipeline scheduler decides which job may start when. This module only
 * wires them together and reports progress. Child pipelines of `trigger:include` jobs run
 * the same way, their jobs shown as `<trigger job> > <child job>`.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { defaultGlobalConfig, defaultRunnerConfig } from '../config/runner-config.js'
import { GlrunnerError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { startTcpForwarder } from './tcp-forwarder.js'
import { startCoordinator, type Coordinator } from '../coordinator/index.js'
import { runBuild } from '../engine/build.js'
import { getExecutorProvider } from '../executors/registry.js'
import { createShellExecutorProvider } from '../executors/shell/provider.js'
import { RunnerManager } from '../manager/runner-manager.js'
import type { CompileOptions, PipelinePlan } from '../pipeline/index.js'
import type { PipelineStatus } from '../pipeline/scheduler.js'
import { JobLogPrinter } from './job-log-printer.js'
import { prepareLocalDocker, type LocalDocker, type LocalDockerOptions } from './local-docker.js'
import { JobLogFiles } from './job-log-files.js'
import { PipelineDriver, type DriverContext } from './pipeline-driver.js'
import type { Snapshot } from './snapshot.js'
import type { StateDir } from './state-dir.js'

export interface JobSummary {
  name: string
  stage: string
  status: string
  exit_code: number | null
  duration_s: number | null
  failure_reason: string | null
  /** The job's `allow_failure` setting (exit codes count as allowing). */
  allow_failure: boolean
  /** True when the job failed but was allowed to ("passed with warnings"). */
  failure_allowed: boolean
  /** How many times it ran: more than 1 after `retry:`; the other fields are the last run's. */
  attempts: number
}

export interface PipelineSummary {
  status: PipelineStatus
  jobs: JobSummary[]
  /** Folder holding each job's full raw log. */
  logsDir: string
}

export interface RunPipelineOptions {
  plan: PipelinePlan
  /** How the plan was compiled; child pipelines compile with the same options. */
  compileOptions: CompileOptions
  snapshot: Snapshot
  state: StateDir
  /** CI_PIPELINE_ID of this run (and its log folder's name); child pipelines count on. */
  pipelineId?: number
  executor: string
  /** For `executor: docker`: default image, pull policy, extra volumes (see local-docker.ts). */
  docker?: Omit<LocalDockerOptions, 'repository'>
  concurrency: number
  /** Manual jobs to play. */
  manualJobs: string[]
  logger: Logger
  write: (text: string) => void
  colour: boolean
  /** A terminal: show a live status line of running jobs under the log. */
  live?: boolean
  /** Job log size limit in KiB (output_limit of the local runner). */
  outputLimitKiB: number
  /**
   * Aborting stops the run as a cancel from GitLab's UI would: jobs not started yet are
   * canceled, running jobs get `canceling` (the script stops, after_script runs), and the
   * summary is returned.
   */
  signal?: AbortSignal
  /**
   * Aborting stops running jobs at once, as a runner shutdown does (process trees
   * terminated, no after_script); the reason, when a string, is the signal name.
   */
  forceSignal?: AbortSignal
}

/** Runs the plan to its end and returns the summary; never leaves servers running. */
export async function runPipeline(options: RunPipelineOptions): Promise<PipelineSummary> {
  if (getExecutorProvider(options.executor) === undefined) {
    throw new GlrunnerError('GLR_UNKNOWN_EXECUTOR', `executor "${options.executor}" is not available`, {
      failureReason: 'runner_configuration_error',
      hint: 'glrunner exec supports --executor shell and --executor docker.',
    })
  }
  const docker = options.executor === 'docker'
    ? await prepareLocalDocker(options.plan, { pullPolicy: 'if-not-present', volumes: [], ...options.docker, repository: dirname(options.state.root) })
    : undefined
  try {
    return await runWithCoordinator(options, docker)
  } finally {
    await docker?.close()
  }
}

async function runWithCoordinator(options: RunPipelineOptions, docker: LocalDocker | undefined): Promise<PipelineSummary> {

  const pipelineId = options.pipelineId ?? Date.now() % 1_000_000_000
  const logsDir = join(options.state.logs, String(pipelineId))
  await mkdir(logsDir, { recursive: true })

  // Containers reach the coordinator through a forwarder on the gateway of glrunner's
  // network; the coordinator itself, and everything this process sends, stay on loopback.
  let coordinatorPort = 0
  const forwarder = docker === undefined ? undefined : await startTcpForwarder(docker.gateway, () => coordinatorPort)
  const coordinator = await startCoordinator({
    dataDir: options.state.coordinator, longPollSeconds: 50, traceUpdateIntervalSeconds: 1,
    // The local runner sends a keep-alive about every second (below): a job silent for a minute has
    // lost its runner, and the pipeline should not wait GitLab's hour to say so.
    staleJobTimeoutMs: 60_000,
    ...(forwarder !== undefined ? { publicUrl: `http://${forwarder.host}:${forwarder.port}` } : {}),
  }).catch(async (err: unknown) => {
    await forwarder?.close()
    throw err
  })
  coordinatorPort = Number(new URL(coordinator.url).port)
  const manager = startLocalRunner(coordinator, options, docker, await localRunnerToken(options.state))
  let finished = false
  let driver: PipelineDriver | undefined
  // First stop: cancel like GitLab's UI does (after_script runs). `forceSignal`: abort the
  // running jobs outright (their process trees are terminated) — a second Ctrl-C.
  const stop = () => driver?.cancel()
  const force = () => {
    const reason = options.forceSignal?.reason
    manager.stopForcefully(typeof reason === 'string' ? reason : 'SIGTERM')
    driver?.cancel()
  }
  options.signal?.addEventListener('abort', stop, { once: true })
  options.forceSignal?.addEventListener('abort', force, { once: true })
  try {
    const project = coordinator.addProject({ path: options.plan.git.projectPath, repoDir: options.snapshot.repoDir })
    const printer = new JobLogPrinter({ colour: options.colour, write: options.write, live: options.live === true }, options.plan.jobs.map((job) => job.name))
    const context: DriverContext = {
      coordinator,
      projectPath: project.path,
      snapshot: options.snapshot,
      compileOptions: options.compileOptions,
      printer,
      write: (text) => printer.message(text),
      logs: new JobLogFiles(logsDir),
      tmpDir: join(options.state.root, 'tmp'),
      nextPipelineId: (() => {
        let next = pipelineId

        return () => next++
      })(),
    }
    driver = new PipelineDriver(context, options.plan, { manualJobs: options.manualJobs, labelPrefix: '' })
    if (options.signal?.aborted) driver.cancel()
    const shown = driver
    const ticker = options.live ? setInterval(() => printer.setStatus(formatProgress(shown.progress())), 500) : undefined
    const status = await driver.run().finally(() => {
      clearInterval(ticker)
      printer.setStatus('')
    })
    finished = true

    return { status, jobs: driver.summaries(), logsDir }
  } finally {
    options.signal?.removeEventListener('abort', stop)
    options.forceSignal?.removeEventListener('abort', force)
    // After a normal end no job is running; after an error, running jobs are aborted.
    if (finished) manager.stopGracefully()
    else manager.stopForcefully('SIGTERM')
    await manager.done
    await manager.close()
    await coordinator.close()
    await forwarder?.close()
  }
}

/**
 * The local runner's token, kept in the state folder so every run of this repository uses
 * the same builds dir (`builds/<short token>/<slot>/…`) and `GIT_STRATEGY: fetch` reuses
 * the previous checkout, as a registered runner does.
 */
async function localRunnerToken(state: StateDir): Promise<string> {
  const path = join(state.root, 'runner-token')
  const saved = (await readFile(path, 'utf8').catch(() => '')).trim()
  if (/^glrt-[A-Za-z0-9_-]{20,}$/.test(saved)) return saved

  const token = `glrt-${randomBytes(15).toString('base64url')}`
  await writeFile(path, `${token}\n`, { mode: 0o600 })

  return token
}

function startLocalRunner(coordinator: Coordinator, options: RunPipelineOptions, docker: LocalDocker | undefined, runnerToken: string): RunnerManager {
  const runner = coordinator.createRunner({ runUntagged: true, token: runnerToken })
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
        // Containers use their own /builds; the runner-side cache stays in the state dir.
        ...(docker === undefined ? { builds_dir: options.state.builds } : { docker: docker.settings }),
        cache_dir: options.state.cache,
        output_limit: options.outputLimitKiB,
      }),
    ],
  })
  const manager = new RunnerManager({
    config,
    systemId: 'r_glrunnerexec',
    logger: options.logger,
    runBuild,
    // Jobs get the environment of the user's terminal as it is: no login profile on top.
    resolveExecutor: (name) => (name === 'shell' ? localShellProvider : getExecutorProvider(name)),
    // A quiet job learns of a cancel (Ctrl-C) from its next keep-alive. The uploader looks
    // once per update interval (1 s, the embedded server's header) and sends one when 500 ms
    // passed without a send, instead of 30 s: Ctrl-C reaches the job within about a second,
    // and a loopback PUT per second per job costs nothing.
    timing: { trace: { forceSendIntervalMs: 500 } },
  })
  manager.start()

  return manager
}

const localShellProvider = createShellExecutorProvider({ loginShell: false })

/** `⏵ build 12s, lint 3s · 2/7 done` */
function formatProgress(progress: ReturnType<PipelineDriver['progress']>): string {
  const now = Date.now()
  const running = progress.running.map((job) => `${job.label} ${Math.floor((now - job.startedAt) / 1000)}s`).join(', ')

  return `⏵ ${running || 'waiting'} · ${progress.finished}/${progress.total} done`
}
