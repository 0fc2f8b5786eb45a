/**
 * Runs one job: header, stages, footer, result. Never throws: every failure, including a
 * bug, becomes a BuildResult, and the job log says why.
 */
import { DEFAULT_OUTPUT_LIMIT_KIB } from '../config/runner-config.js'
import { formatError } from '../core/errors.js'
import { createJobLog } from './job-log/job-log.js'
import type { JobLog } from './job-log/types.js'
import { mapFailureReason } from './failure-reason.js'
import { writeHeader } from './header.js'
import { featureFlagsOf } from './job-setup.js'
import { JobRun } from './job-run.js'
import { writeFooter, type JobFailure } from './outcome.js'
import type { BuildRequest, BuildResult } from './types.js'

export async function runBuild(request: BuildRequest): Promise<BuildResult> {
  const { payload, runner, identity } = request
  let log: JobLog | undefined
  try {
    const { flags, warnings } = featureFlagsOf(request)
    log = createJobLog(request.trace, {
      maskedValues: [payload.token, runner.token, ...payload.variables.filter((item) => item.masked).map((item) => item.value)],
      extraTokenPrefixes: payload.features.token_mask_prefixes,
      timestamps: flags.FF_TIMESTAMPS,
      outputLimitBytes: (runner.output_limit > 0 ? runner.output_limit : DEFAULT_OUTPUT_LIMIT_KIB) * 1024,
      sections: payload.features.trace_sections,
    })
    writeHeader(log, { runnerName: runner.name, shortToken: identity.shortToken, systemId: identity.systemId, flags })

    const failure = await new JobRun(request, log, flags, warnings).execute()
    writeFooter(log, failure)

    return toResult(failure, payload.features.failure_reasons)
  } catch (err) {
    const failure: JobFailure = { message: `internal error: ${formatError(err)}`, reason: 'runner_system_failure' }
    try {
      if (log !== undefined) writeFooter(log, failure)
    } catch {
      // The log itself is broken; the result still reaches GitLab.
    }

    return toResult(failure, payload.features.failure_reasons)
  } finally {
    try {
      log?.close()
    } catch {
      // Closing flushes held-back bytes; a failure here must not turn into a throw.
    }
  }
}

function toResult(failure: JobFailure | undefined, supported: readonly string[]): BuildResult {
  if (failure === undefined) return { state: 'success' }

  return {
    state: 'failed',
    failureReason: mapFailureReason(failure.reason, supported),
    ...(failure.exitCode !== undefined ? { exitCode: failure.exitCode } : {}),
  }
}
