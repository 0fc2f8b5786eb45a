/**
 * One job from setup to the last stage: the stage order and conditions of
 * job-execution.md 2.2, the job deadline, graceful cancel and abort.
 */
import { rm } from 'node:fs/promises'
import { formatError, GlrunnerError } from '../core/errors.js'
import type { Executor, ExecutorJobSettings, PrepareOptions } from '../executors/executor.js'
import type { JobLog } from './job-log/types.js'
import { jobTimeoutSeconds, setupJob, type JobSetup } from './job-setup.js'
import { checkPayload } from './payload-checks.js'
import { failureFromError, SHELL_PROFILE_HELP, TIMEOUT_HELP, type JobFailure } from './outcome.js'
import { formatGoDuration } from '../core/duration.js'
import { prepareStageScript, type ScriptSources } from './scripts.js'
import { runSection, StageRunner } from './stage-runner.js'
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
  /** Paths, variables and settings, once known (after configure() for executors that have it). */
  #setup: JobSetup | undefined

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
    const { payload, executor: provider } = this.request
    const executor = provider.create()
    for (const warning of this.flagWarnings) this.log.warning(warning)
    // An executor with configure() decides dirs and shell itself (custom: config_exec), so
    // its setup waits for that, inside the prepare section; the others set up right away.
    try {
      if (executor.configure === undefined) this.#applySetup(setupJob(this.request, this.flags))
      else checkPayload(payload, provider)
    } catch (err) {
      await executor.cleanup().catch(() => undefined)

      return failureFromError(err)
    }

    const onAbort = (): void => this.#controller.abort()
    const abort = this.request.control.abort
    if (abort.aborted) onAbort()
    else abort.addEventListener('abort', onAbort, { once: true })
    this.#deadlineMs = jobTimeoutSeconds(this.request) * 1000
    this.#deadline = Date.now() + this.#deadlineMs
    const timer = setTimeout(() => {
      this.#timedOut = true
      this.#controller.abort()
    }, this.#deadlineMs)

    try {
      const failure = await this.#stages(executor)

      return this.stopFailure() ?? failure
    } catch (err) {
      return this.stopFailure() ?? failureFromError(err)
    } finally {
      clearTimeout(timer)
      abort.removeEventListener('abort', onAbort)
      await executor.cleanup().catch(() => undefined)
      if (this.stopped && this.#setup !== undefined) await scrubSecrets(this.#setup, executor)
    }
  }

  #applySetup(setup: JobSetup): JobSetup {
    this.#setup = setup
    for (const value of setup.expanded.maskedValues()) this.log.addMaskedValue(value)
    for (const warning of setup.warnings) this.log.warning(warning)

    return setup
  }

  async #stages(executor: Executor): Promise<JobFailure | undefined> {
    const prepared = await this.#prepareExecutor(executor)
    if (prepared.failure !== undefined || this.stopped) return prepared.failure
    const setup = prepared.setup
    if (setup === undefined) return undefined

    const sources: ScriptSources = { setup, payload: this.request.payload, runner: this.request.runner }
    const runner = new StageRunner(this.log, executor, setup.shell)
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

  /**
   * The prepare_executor section: configure() (once it succeeds) and the job's setup when
   * they are still due, then prepare(), up to PREPARE_ATTEMPTS times for errors that are
   * not GlrunnerErrors.
   */
  async #prepareExecutor(executor: Executor): Promise<{ setup?: JobSetup; failure?: JobFailure }> {
    let failure: JobFailure | undefined
    let settings: ExecutorJobSettings | undefined
    const { name } = this.request.executor
    await runSection(this.log, 'prepare_executor', async () => {
      for (let attempt = 1; attempt <= PREPARE_ATTEMPTS; attempt++) {
        try {
          if (this.#setup === undefined && executor.configure !== undefined) {
            settings ??= await executor.configure({ payload: this.request.payload, runner: this.request.runner, log: this.log, signal: this.jobSignal })
            this.#applySetup(setupJob(this.request, this.flags, settings))
          }
          await executor.prepare(this.#prepareOptions(this.#setup as JobSetup))
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

    return failure === undefined ? { ...(this.#setup !== undefined ? { setup: this.#setup } : {}) } : { failure }
  }

  #prepareOptions(setup: JobSetup): PrepareOptions {
    const { payload, runner, identity } = this.request

    return {
      payload,
      runner,
      paths: setup.paths,
      shell: setup.shell,
      log: this.log,
      signal: this.jobSignal,
      variables: setup.expanded.items.map((item) => ({ key: item.key, value: item.value, file: item.file })),
      identity: { ...identity },
    }
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
