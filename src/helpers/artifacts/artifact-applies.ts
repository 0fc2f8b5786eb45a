export type JobOutcome = 'success' | 'failed'

/**
 * Whether an artifacts or cache entry's `when` lets it run after a job with this outcome:
 * `on_success` (and empty) after success, `on_failure` after failure, `always` after both.
 * Unknown values apply to neither, like the official runner.
 */
export function whenApplies(when: string | undefined, outcome: JobOutcome): boolean {
  switch (when ?? '') {
    case '':
    case 'on_success':
      return outcome === 'success'
    case 'on_failure':
      return outcome === 'failed'
    case 'always':
      return true
    default:
      return false
  }
}
