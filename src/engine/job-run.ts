/**
 * One job from setup to the last stage: the stage order and conditions of
 * job-execution.md 2.2, the job deadline, graceful cancel and abort.
 */
import { rm } from 'node:fs/promises'
import { formatError, GlrunnerError } from '../core/errors.js'
import type { Executor } from '../executors/executor.js'
import type { JobLog } from './job-log/types.js'
import { setupJob, type JobSetup } from './job-setup.js'
import { failureFromError, SHELL_PROFILE_HELP, TIMEOUT_HELP, type JobFailure } from './outcome.js'
import { formatGoDuration } from '../core/duration.js'
import { prepareStageScript, type ScriptSources } from './scripts.js'
import { StageRunner } from './stage-runner.js'
import { runLaterStages, runScriptPhase, runSourceStages } from './job-stages.js'
import { sleep } from './timeouts.js'
import type { AbortReason, BuildRequest } from './types.js'
import type { FeatureFlags } from './variables/feature-flags.js'
import { TMP_RUNNER_FILES } from '../shells/stage-scripts.js'

export const PREPARE_ATTEMPTS = 3
export const PREPARE_RETRY_MS = 3_000

export class JobRun {
  readonly #controller = new AbortController()
  #timedOut = false
  /** Epoch ms when the job timeout fires. */
  #deadline = 0
  /** The job timeout itself, for the footer. */
  #deadlineMs = 0

  constructor(
    readonly request: BuildRequest,
    readonly log: JobLog,
    readonly flags: FeatureFlags,
    readonly flagWarnings: readonly string[],
  ) {}

  /** Aborted on job timeout or control.abort. */
  get jobSignal(): AbortSignal {
    return this.#controller.signal
  }

  get stopped(): boolean {
    return this.#controller.signal.aborted
  }

  remainingMs(): number {
    return Math.max(0, this.#deadline - Date.now())
  }

  /** The failure that a timeout or an abort imposes, if one happened. */
  stopFailure(): JobFailure | undefined {
    const abort = this.request.control.abort
    if (abort.aborted) {
      const reason = abort.reason as AbortReason | undefined
      if (reason?.kind === 'interrupted') return { message: `aborted: ${reason.signal}`, reason: 'runner_interrupted' }

      return { message: 'canceled', reason: 'job_canceled' }
    }
    if (this.#timedOut) {
      return { message: `execution took longer than ${formatGoDuration(this.#deadlineMs)} seconds`, reason: 'job_execution_timeout' }
    }

    return undefined
  }

  /** Prints the stage-timeout warning when `stage` was cut short by a deadline. */
  noteStageStopped(stage: string, byDeadline: boolean): void {
    if (byDeadline) this.log.warning(`${stage} could not run to completion because the timeout was exceeded. ${TIMEOUT_HELP}`)
  }

  get timedOut(): boolean {
    return this.#timedOut
  }

  async execute(): Promise<JobFailure | undefined> {
    let setup: JobSetup
    try {
      setup = setupJob(this.request, this.flags)
    } catch (err) {
      return failureFromError(err)
    }
    for (const value of setup.expanded.maskedValues()) this.log.addMaskedValue(value)
    for (const warning of [...this.flagWarnings, ...setup.warnings]) this.log.warning(warning)

    const onAbort = (): void => this.#controller.abort()
    const abort = this.request.control.abort
    if (abort.aborted) onAbort()
    else abort.addEventListener('abort', onAbort, { once: true })
    this.#deadlineMs = setup.jobTimeoutMs
    this.#deadline = Date.now() + setup.jobTimeoutMs
    const timer = setTimeout(() => {
      this.#timedOut = true
      this.#controller.abort()
    }, setup.jobTimeoutMs)

    const executor = this.request.executor.create()
    try {
      const failure = await this.#stages(setup, executor)

      return this.stopFailure() ?? failure
    } catch (err) {
      return this.stopFailure() ?? failureFromError(err)
    } finally {
      clearTimeout(timer)
      abort.removeEventListener('abort', onAbort)
      await executor.cleanup().catch(() => undefined)
      if (this.stopped) await scrubSecrets(setup, executor)
    }
  }

  async #stages(setup: JobSetup, executor: Executor): Promise<JobFailure | undefined> {
    const sources: ScriptSources = { setup, payload: this.request.payload, runner: this.request.runner }
    const runner = new StageRunner(this.log, executor, setup.shell)

    const prepared = await this.#prepareExecutor(runner, executor, setup)
    if (prepared !== undefined || this.stopped) return prepared

    try {
      await runner.script('prepare_script', prepareStageScript(sources), this.jobSignal)
    } catch (err) {
      if (this.stopped) return undefined
      const failure = failureFromError(err)

      return { ...failure, message: `prepare environment: ${failure.message}. ${SHELL_PROFILE_HELP}` }
    }

    const context = { run: this, runner, sources, executor }
    let failure = await runSourceStages(context)
    if (this.stopped) return undefined
    if (failure === undefined) failure = await runScriptPhase(context)
    if (this.stopped) return undefined

    return runLaterStages(context, failure)
  }

  async #prepareExecutor(runner: StageRunner, executor: Executor, setup: JobSetup): Promise<JobFailure | undefined> {
    let failure: JobFailure | undefined
    const { name } = this.request.executor
    await runner.section('prepare_executor', async () => {
      for (let attempt = 1; attempt <= PREPARE_ATTEMPTS; attempt++) {
        try {
          await executor.prepare({
            payload: this.request.payload,
            runner: this.request.runner,
            paths: setup.paths,
            shell: setup.shell,
            log: this.log,
            signal: this.jobSignal,
          })
          failure = undefined
          return
        } catch (err) {
          failure = failureFromError(err)
          if (this.stopped || err instanceof GlrunnerError || attempt === PREPARE_ATTEMPTS) return
          this.log.error(`Preparation failed: ${formatError(err)}`)
          this.log.info(`Will be retried in ${PREPARE_RETRY_MS / 1000}s ...`)
          await sleep(PREPARE_RETRY_MS, this.jobSignal)
        }
      }
    }, `Preparing the "${name}" executor`)

    return failure
  }
}

/**
 * After a timeout or an abort no cleanup stage runs; the runner still removes file
 * variables and the git credentials file itself when it can reach them.
 */
async function scrubSecrets(setup: JobSetup, executor: Executor): Promise<void> {
  if (executor.hostProjectDir !== setup.paths.projectDir) return
  const names = [...setup.expanded.items.filter((item) => item.file).map((item) => item.key), ...TMP_RUNNER_FILES]
  await Promise.all(names.map((name) => rm(`${setup.paths.tmpDir}/${name}`, { force: true }).catch(() => undefined)))
}
