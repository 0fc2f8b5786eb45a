/**
 * The three phases after prepare_script: sources (get_sources, restore_cache,
 * download_artifacts), the user script with after_script, and the closing stages
 * (archive cache, upload artifacts, cleanup).
 */
import type { Executor } from '../executors/executor.js'
import type { JobRun } from './job-run.js'
import { failureFromError, type JobFailure } from './outcome.js'
import {
  afterScriptStage,
  cleanupStageScript,
  clearWorktreeStageScript,
  getSourcesStageScript,
  userStageScript,
  type ScriptSources,
} from './scripts.js'
import type { StageRunner } from './stage-runner.js'
import type { StageId } from './stages.js'
import { archiveCacheApplies, archiveCacheStage, restoreCacheApplies, restoreCacheStage } from './stages/cache-stages.js'
import {
  downloadArtifactsApplies,
  downloadArtifactsStage,
  uploadArtifactsApplies,
  uploadArtifactsStage,
} from './stages/artifact-stages.js'
import type { RunnerStageContext } from './stages/runner-stage.js'
import { DEFAULT_AFTER_SCRIPT_TIMEOUT_MS, retryBackoffMs, sleep, stageTimeout } from './timeouts.js'
import { variable } from './variables/job-variables.js'

export interface PhaseContext {
  run: JobRun
  runner: StageRunner
  sources: ScriptSources
  executor: Executor
}

function runnerStageContext(context: PhaseContext, signal: AbortSignal): RunnerStageContext {
  const { run, sources } = context

  return {
    log: run.log,
    payload: sources.payload,
    variables: sources.setup.expanded,
    rawVariables: sources.setup.variables,
    flags: run.flags,
    paths: sources.setup.paths,
    hostProjectDir: context.executor.hostProjectDir,
    files: context.executor.files,
    artifacts: run.request.artifacts,
    cacheConfig: sources.runner.cache,
    runnerCacheDir: sources.runner.cache_dir,
    runnerShortToken: run.request.identity.shortToken,
    runnerUrl: sources.runner.url,
    signal,
  }
}

/** Runs `attempt` up to `attempts` times with `WARNING: Retrying...` and backoff between. */
async function withAttempts(
  context: PhaseContext,
  attempts: number,
  attempt: (index: number) => Promise<void>,
): Promise<JobFailure | undefined> {
  const { run } = context
  let failure: JobFailure | undefined
  for (let index = 1; index <= attempts; index++) {
    if (index > 1) {
      run.log.warning('Retrying...')
      await sleep(retryBackoffMs(index, run.flags.FF_USE_EXPONENTIAL_BACKOFF_STAGE_RETRY), run.jobSignal)
      if (run.stopped) return undefined
    }
    try {
      await attempt(index)

      return undefined
    } catch (err) {
      if (run.stopped) return undefined
      failure = failureFromError(err)
    }
  }

  return failure
}

export async function runSourceStages(context: PhaseContext): Promise<JobFailure | undefined> {
  const { run, runner, sources } = context
  const { settings } = sources.setup
  let script: string
  try {
    script = getSourcesStageScript(sources)
  } catch (err) {
    return failureFromError(err)
  }

  const limitSeconds = sources.runner.get_sources_timeout ?? 0
  const limit = limitSeconds > 0 ? AbortSignal.timeout(limitSeconds * 1000) : undefined
  const signal = limit === undefined ? run.jobSignal : AbortSignal.any([run.jobSignal, limit])
  let failure = await withAttempts(context, settings.getSourcesAttempts, async (index) => {
    if (index === 2) await runner.script('clear_worktree', clearWorktreeStageScript(sources), signal).catch(() => undefined)
    await runner.script('get_sources', script, signal)
  })
  if (failure !== undefined && limit?.aborted === true && !run.stopped) {
    run.noteStageStopped('get_sources', true)
    failure = { message: 'get sources timeout: context deadline exceeded', reason: 'job_execution_timeout' }
  }
  if (failure !== undefined || run.stopped) return failure

  const stageContext = runnerStageContext(context, run.jobSignal)
  if (restoreCacheApplies(sources.payload.cache)) {
    failure = await withAttempts(context, settings.restoreCacheAttempts, () =>
      runner.section('restore_cache', () => restoreCacheStage(stageContext)),
    )
    if (failure !== undefined || run.stopped) return failure
  }
  if (downloadArtifactsApplies(sources.payload.dependencies)) {
    failure = await withAttempts(context, settings.artifactDownloadAttempts, () =>
      runner.section('download_artifacts', () => downloadArtifactsStage(stageContext)),
    )
  }

  return failure
}

/** User steps (payload order, stop at the first failure), then after_script. */
export async function runScriptPhase(context: PhaseContext): Promise<JobFailure | undefined> {
  const { run, runner, sources } = context
  const { setup, payload } = sources
  const cancel = run.request.control.cancel
  const scriptLimitMs = stageTimeout({
    name: 'RUNNER_SCRIPT_TIMEOUT', raw: setup.settings.scriptTimeout, remainingMs: run.remainingMs(),
    defaultMs: undefined, warn: (message) => run.log.warning(message),
  })
  const scriptLimit = scriptLimitMs === undefined ? undefined : AbortSignal.timeout(scriptLimitMs)
  const signal = AbortSignal.any([run.jobSignal, cancel, ...(scriptLimit === undefined ? [] : [scriptLimit])])

  let failure: JobFailure | undefined
  let lastStage: StageId = 'step_script'
  for (const step of payload.steps) {
    if (step.name === 'after_script' || signal.aborted) continue
    const script = userStageScript(sources, step.name)
    if (script === undefined) continue
    lastStage = `step_${step.name.toLowerCase()}`
    try {
      await runner.script(lastStage, script, signal)
    } catch (err) {
      failure = failureFromError(err)
      break
    }
  }
  if (run.stopped) {
    run.noteStageStopped(lastStage, run.timedOut)
    return failure
  }

  let status: string
  if (cancel.aborted) {
    run.log.warning('script canceled externally (UI, API)')
    failure = { message: 'canceled', reason: 'job_canceled' }
    status = 'canceled'
  } else if (scriptLimit?.aborted === true) {
    run.noteStageStopped(lastStage, true)
    failure = { message: 'script timeout: context deadline exceeded', reason: 'job_execution_timeout' }
    status = 'timedout'
  } else {
    status = failure === undefined ? 'success' : 'failed'
  }

  return runAfterScript(context, status, failure)
}

async function runAfterScript(context: PhaseContext, status: string, failure: JobFailure | undefined): Promise<JobFailure | undefined> {
  const { run, runner, sources } = context
  const { setup } = sources
  const variables = setup.variables.with(variable('CI_JOB_STATUS', status, { internal: true })).expanded(setup.paths.tmpDir)
  const script = afterScriptStage(sources, variables)
  if (script === undefined) return failure

  const limitMs = stageTimeout({
    name: 'RUNNER_AFTER_SCRIPT_TIMEOUT', raw: setup.settings.afterScriptTimeout, remainingMs: run.remainingMs(),
    defaultMs: DEFAULT_AFTER_SCRIPT_TIMEOUT_MS, warn: (message) => run.log.warning(message),
  }) ?? DEFAULT_AFTER_SCRIPT_TIMEOUT_MS
  const limit = AbortSignal.timeout(limitMs)
  try {
    await runner.script('after_script', script, AbortSignal.any([run.jobSignal, limit]))
  } catch (err) {
    if (run.stopped) return failure
    if (limit.aborted) run.noteStageStopped('after_script', true)
    const afterFailure = failureFromError(err)
    if (setup.settings.afterScriptIgnoreErrors) {
      run.log.warning(`after_script failed, but job will continue unaffected: ${afterFailure.message}`)
    } else {
      return failure ?? afterFailure
    }
  }

  return failure
}

/** Cache archive and artifact upload (success or failure variant), then cleanup. */
export async function runLaterStages(context: PhaseContext, failure: JobFailure | undefined): Promise<JobFailure | undefined> {
  const { run, runner, sources } = context
  const failed = failure !== undefined
  const stageContext = runnerStageContext(context, run.jobSignal)

  let archiveFailure: JobFailure | undefined
  if (archiveCacheApplies(sources.payload.cache, failed)) {
    const stage = failed ? 'archive_cache_on_failure' : 'archive_cache'
    archiveFailure = await runner.section(stage, () => archiveCacheStage(stageContext, failed)).then(
      () => undefined,
      (err: unknown) => failureFromError(err),
    )
  }
  if (run.stopped) return undefined

  let uploadFailure: JobFailure | undefined
  if (uploadArtifactsApplies(sources.payload.artifacts, failed, sources.runner.url)) {
    const stage = failed ? 'upload_artifacts_on_failure' : 'upload_artifacts_on_success'
    uploadFailure = await runner.section(stage, () => uploadArtifactsStage(stageContext, failed)).then(
      () => undefined,
      (err: unknown) => failureFromError(err),
    )
  }
  if (run.stopped) return undefined

  try {
    await runner.script('cleanup_file_variables', cleanupStageScript(sources), run.jobSignal)
  } catch (err) {
    if (!run.stopped) run.log.warning(`Cleanup of file variables failed: ${failureFromError(err).message}`)
  }

  return failure ?? archiveFailure ?? uploadFailure
}
