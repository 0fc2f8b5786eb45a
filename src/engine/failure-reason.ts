/** Maps glrunner's failure reasons onto the list a GitLab instance understands. */
import type { FailureReason } from '../core/errors.js'

const ALWAYS_SUPPORTED = ['script_failure', 'runner_system_failure', 'job_execution_timeout']

const COMPATIBLE: Record<string, string> = {
  image_pull_failure: 'runner_system_failure',
  runner_configuration_error: 'script_failure',
  runner_external_dependency_failure: 'runner_system_failure',
}

/**
 * `reason` if GitLab lists it (or it is one every GitLab knows), else its compatible
 * replacement (up to 10 hops), else `unknown_failure`.
 */
export function mapFailureReason(reason: FailureReason | undefined, supported: readonly string[]): FailureReason {
  if (reason === undefined) return 'script_failure'

  const accepted = new Set([...supported, ...ALWAYS_SUPPORTED])
  let current: string = reason
  for (let hop = 0; hop < 10; hop++) {
    if (accepted.has(current)) return current as FailureReason
    const next = COMPATIBLE[current]
    if (next === undefined) return 'unknown_failure'
    current = next
  }

  return 'unknown_failure'
}
