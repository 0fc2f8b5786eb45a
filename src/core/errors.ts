/**
 * Errors that reach a user or GitLab. Every error glrunner raises on purpose is a
 * GlrunnerError: it has a stable `code` to branch on, the GitLab `failureReason` a job
 * fails with when this error ends it, and an optional `hint` telling the user what to do.
 * A broken invariant (a bug) may stay a plain Error.
 */

/** Failure reasons the runner can report (mapped onto GitLab's list before sending). */
export type FailureReason =
  | 'script_failure'
  | 'runner_system_failure'
  | 'job_execution_timeout'
  | 'image_pull_failure'
  | 'runner_configuration_error'
  | 'runner_external_dependency_failure'
  | 'runner_interrupted'
  | 'job_canceled'
  | 'unknown_failure'
  | 'api_failure'

export interface GlrunnerErrorOptions {
  cause?: unknown
  failureReason?: FailureReason
  hint?: string
}

export class GlrunnerError extends Error {
  readonly failureReason: FailureReason
  readonly hint: string | undefined

  constructor(
    readonly code: string,
    message: string,
    options: GlrunnerErrorOptions = {},
  ) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.failureReason = options.failureReason ?? 'runner_system_failure'
    this.hint = options.hint
  }
}

/** A configuration file or flag is wrong; the message names the key and what is expected. */
export class ConfigError extends GlrunnerError {
  constructor(message: string, options: Omit<GlrunnerErrorOptions, 'failureReason'> = {}) {
    super('GLR_CONFIG', message, { ...options, failureReason: 'runner_configuration_error' })
  }
}

/**
 * A script stage ended with a non-zero exit status. `message` is the executor-specific
 * wording the job log shows after "Job failed: " (`exit status 1` for local processes,
 * `exit code 1` for containers, `Process exited with status 1` for ssh).
 */
export class ScriptExitError extends GlrunnerError {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super('GLR_SCRIPT_EXIT', message, { failureReason: 'script_failure' })
  }
}

/** Joins an error's cause chain for people: "pulling image alpine: manifest unknown". */
export function formatError(err: unknown): string {
  const parts: string[] = []
  let current: unknown = err
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof Error) {
      parts.push(current.message)
      current = current.cause
    } else {
      parts.push(String(current))
      current = undefined
    }
  }

  // Wrappers often repeat their cause's text ("connect ECONNREFUSED …: connect ECONNREFUSED …"):
  // a part already contained in the one before it adds nothing.
  const shown: string[] = []
  for (const part of parts) {
    if (part === '') continue
    const previous = shown.at(-1)
    if (previous !== undefined && previous.includes(part)) continue
    shown.push(part)
  }

  return shown.join(': ')
}
