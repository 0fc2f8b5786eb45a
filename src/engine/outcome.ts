/** How a job ended, and how that is written in the footer and reported to GitLab. */
import { formatError, GlrunnerError, ScriptExitError, type FailureReason } from '../core/errors.js'
import type { JobLog } from './job-log/types.js'

export interface JobFailure {
  message: string
  reason: FailureReason
  exitCode?: number
}

/** Turns any error into a failure: script exits keep their code, GlrunnerErrors their reason. */
export function failureFromError(err: unknown): JobFailure {
  if (err instanceof ScriptExitError) {
    return { message: err.message, reason: 'script_failure', ...(err.exitCode >= 0 ? { exitCode: err.exitCode } : {}) }
  }
  if (err instanceof GlrunnerError) return { message: formatError(err), reason: err.failureReason }

  return { message: formatError(err), reason: 'runner_system_failure' }
}

/** `Job succeeded`, or the `ERROR: Job failed…` line with the system-failure wording. */
export function writeFooter(log: JobLog, failure: JobFailure | undefined): void {
  if (failure === undefined) {
    log.info('Job succeeded')
    return
  }
  if (failure.reason === 'runner_system_failure') log.error(`Job failed (system failure): ${failure.message}`)
  else log.error(`Job failed: ${failure.message}`)
}

export const TIMEOUT_HELP =
  'For more control over job and script timeouts see: https://docs.gitlab.com/ci/runners/configure_runners/#set-script-and-after_script-timeouts'

export const SHELL_PROFILE_HELP = 'Check https://docs.gitlab.com/runner/shells/#shell-profile-loading for more information'
