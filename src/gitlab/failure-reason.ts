/**
 * Maps the runner's internal failure reason onto the list the job payload says GitLab
 * understands (spec 7.2): a reason GitLab does not know falls back through a compat table,
 * and finally to unknown_failure.
 */

/** Reasons every GitLab that hands out jobs to runners understands. */
const ALWAYS_SUPPORTED = ['script_failure', 'runner_system_failure', 'job_execution_timeout']

const COMPAT: Record<string, string> = {
  image_pull_failure: 'runner_system_failure',
  runner_configuration_error: 'script_failure',
  runner_external_dependency_failure: 'runner_system_failure',
}

export function mapFailureReason(reason: string | undefined, supported: readonly string[]): string {
  if (!reason) return 'script_failure'
  const known = new Set([...supported, ...ALWAYS_SUPPORTED])
  let current = reason
  for (let step = 0; step < 10; step++) {
    if (known.has(current)) return current
    const next = COMPAT[current]
    if (next === undefined) return 'unknown_failure'
    current = next
  }

  return 'unknown_failure'
}
