/**
 * One job's life in the manager (spec 2.4, 3, 4): parse and check the payload, acknowledge
 * it, stream the trace while the engine runs it, then send the final update. Nothing here
 * throws to the caller: a broken payload or a crashing engine fails that one job.
 */
import type { RunnerConfig } from '../config/runner-config.js'
import { formatError, type FailureReason } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { createTraceBuffer } from '../engine/job-log/trace-buffer.js'
import type { WritableTraceStore } from '../engine/job-log/types.js'
import type { AbortReason, ArtifactsTransport, BuildRequest, BuildResult, RunnerIdentity } from '../engine/types.js'
import type { ExecutorProvider } from '../executors/executor.js'
import type { ApiClient } from '../gitlab/api-client.js'
import { mapFailureReason } from '../gitlab/failure-reason.js'
import { parseJobPayload, type JobPayload } from '../gitlab/job-payload.js'
import { updateJob } from '../gitlab/jobs-api.js'
import type { RunnerInfo } from '../gitlab/runner-info.js'
import { TraceUploader, type FinalState, type TraceUploaderTiming } from '../gitlab/trace-uploader.js'
import { payloadProblems } from './payload-checks.js'

export type RunBuild = (request: BuildRequest) => Promise<BuildResult>

export interface JobRunnerContext {
  client: ApiClient
  runner: RunnerConfig
  info: RunnerInfo
  provider: ExecutorProvider
  artifacts: ArtifactsTransport
  runBuild: RunBuild
  logger: Logger
  traceTiming?: TraceUploaderTiming
  /** Builds the identity once the project is known (slots are per project). */
  identity: (payload: JobPayload) => RunnerIdentity
  /** Lets the manager abort the job on a forceful shutdown; returns an unregister function. */
  track: (abort: (reason: AbortReason) => void) => () => void
  createTrace?: () => WritableTraceStore
}

export interface JobOutcome {
  jobId: number | undefined
  state: 'success' | 'failed' | 'dropped'
  failureReason?: string
}

const RED = '\x1b[31;1m'
const RESET = '\x1b[0;m'

/** Runs a job GitLab just handed out; resolves when its final update is done. */
export async function runJob(ctx: JobRunnerContext, raw: unknown): Promise<JobOutcome> {
  const parsed = parseJobPayload(raw)
  if (!parsed.ok) return failUnparsedJob(ctx, parsed)

  const payload = parsed.payload
  const logger = ctx.logger.child({ job: payload.id, project: payload.job_info.project_id })
  const trace = (ctx.createTrace ?? (() => createTraceBuffer()))()
  try {
    return await runParsedJob(ctx, payload, trace, logger)
  } catch (err) {
    // A bug in this file must not take the runner down; report it once, here.
    logger.error('job handling failed unexpectedly', { error: formatError(err) })

    return { jobId: payload.id, state: 'failed', failureReason: 'runner_system_failure' }
  } finally {
    trace.dispose()
  }
}

async function runParsedJob(ctx: JobRunnerContext, payload: JobPayload, trace: WritableTraceStore, logger: Logger): Promise<JobOutcome> {
  const abortController = new AbortController()
  const cancelController = new AbortController()
  const uploader = new TraceUploader({
    client: ctx.client,
    jobId: payload.id,
    jobToken: payload.token,
    trace,
    info: ctx.info,
    debugTrace: debugTraceEnabled(payload, ctx.runner),
    onCancelRequested: () => cancelController.abort({ kind: 'canceled' } satisfies AbortReason),
    onAbort: () => abortController.abort({ kind: 'canceled' } satisfies AbortReason),
    logger,
    timing: ctx.traceTiming,
    finalUpdateRetryLimit: ctx.runner.job_status_final_update_retry_limit,
  })
  const finish = async (final: FinalState): Promise<JobOutcome> => {
    const failureReason = final.state === 'failed' ? mapFailureReason(final.failureReason, payload.features.failure_reasons) : undefined
    const outcome = await uploader.finish({ ...final, ...(failureReason ? { failureReason } : {}) })
    logger.info('job finished', { state: final.state, failureReason, finalUpdate: outcome })

    return { jobId: payload.id, state: final.state, ...(failureReason ? { failureReason } : {}) }
  }

  const problems = payloadProblems(payload)
  if (problems.length > 0) {
    for (const problem of problems) writeLine(trace, `${RED}ERROR: ${problem}${RESET}`)
    writeLine(trace, `${RED}ERROR: Job failed (system failure): the job cannot run on this runner${RESET}`)
    logger.warn('job payload not supported', { problems })
    // Acknowledge first, as for any job: under two-phase commit GitLab refuses a final
    // update for a job that was never acknowledged, and the job would stay pending.
    await updateJob(ctx.client, { jobId: payload.id, jobToken: payload.token, state: 'running', info: ctx.info, intervalUnitMs: ctx.traceTiming?.intervalUnitMs })

    return finish({ state: 'failed', failureReason: 'runner_system_failure' })
  }

  const ack = await updateJob(ctx.client, { jobId: payload.id, jobToken: payload.token, state: 'running', info: ctx.info, intervalUnitMs: ctx.traceTiming?.intervalUnitMs })
  if (ack.kind === 'abort' || ack.kind === 'not-found') {
    logger.info('GitLab dropped the job before it started', { status: ack.status, jobStatus: ack.jobStatus })

    return { jobId: payload.id, state: 'dropped' }
  }
  if (ack.kind !== 'ok') logger.warn('acknowledging the job failed, running it anyway', { reason: ack.message })
  if (ack.cancelRequested) {
    writeLine(trace, `${RED}ERROR: Job failed: canceled${RESET}`)
    logger.info('job was canceled before it started')

    return finish({ state: 'failed', failureReason: 'job_canceled' })
  }

  logger.info('job started', { name: payload.job_info.name })
  const untrack = ctx.track((reason) => abortController.abort(reason))
  uploader.start()
  let result: BuildResult
  try {
    result = await ctx.runBuild({
      payload,
      runner: ctx.runner,
      identity: ctx.identity(payload),
      executor: ctx.provider,
      trace,
      control: { abort: abortController.signal, cancel: cancelController.signal },
      artifacts: ctx.artifacts,
    })
  } catch (err) {
    logger.error('the job engine failed', { error: formatError(err) })
    writeLine(trace, `${RED}ERROR: Job failed (system failure): ${formatError(err)}${RESET}`)
    result = { state: 'failed', failureReason: 'runner_system_failure' }
  } finally {
    untrack()
  }

  return finish(finalState(result, abortController.signal, cancelController.signal))
}

/** The engine's result, overridden by why the job was stopped from outside. */
function finalState(result: BuildResult, abort: AbortSignal, cancel: AbortSignal): FinalState {
  const reason = abort.aborted ? (abort.reason as AbortReason | undefined) : undefined
  if (reason?.kind === 'interrupted') return { state: 'failed', failureReason: 'runner_interrupted' }
  if (result.state === 'success' && !abort.aborted) return { state: 'success' }

  let failureReason: FailureReason | undefined = result.failureReason
  if (abort.aborted || (cancel.aborted && failureReason === undefined)) failureReason = 'job_canceled'

  return { state: 'failed', ...(failureReason ? { failureReason } : {}), ...(result.exitCode ? { exitCode: result.exitCode } : {}) }
}

/** A payload that does not parse: say why in its trace and fail it, when it can be named. */
async function failUnparsedJob(ctx: JobRunnerContext, parsed: { message: string; jobId: number | undefined; jobToken: string | undefined }): Promise<JobOutcome> {
  const logger = ctx.logger.child({ job: parsed.jobId })
  logger.error('received a job payload that cannot be used', { reason: parsed.message })
  if (parsed.jobId === undefined || parsed.jobToken === undefined) return { jobId: parsed.jobId, state: 'dropped' }

  const trace = (ctx.createTrace ?? (() => createTraceBuffer()))()
  try {
    writeLine(trace, `${RED}ERROR: Job failed (system failure): ${parsed.message}${RESET}`)
    const uploader = new TraceUploader({
      client: ctx.client,
      jobId: parsed.jobId,
      jobToken: parsed.jobToken,
      trace,
      info: ctx.info,
      debugTrace: false,
      onCancelRequested: () => undefined,
      onAbort: () => undefined,
      logger,
      timing: ctx.traceTiming,
      finalUpdateRetryLimit: ctx.runner.job_status_final_update_retry_limit,
    })
    await uploader.finish({ state: 'failed', failureReason: 'runner_system_failure' })
  } finally {
    trace.dispose()
  }

  return { jobId: parsed.jobId, state: 'failed', failureReason: 'runner_system_failure' }
}

function debugTraceEnabled(payload: JobPayload, runner: RunnerConfig): boolean {
  if (runner.debug_trace_disabled) return false
  const value = [...payload.variables].reverse().find((variable) => variable.key === 'CI_DEBUG_TRACE')?.value

  return value === 'true' || value === '1'
}

function writeLine(trace: WritableTraceStore, text: string): void {
  trace.append(Buffer.from(`${text}\n`))
}
