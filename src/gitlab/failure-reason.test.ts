import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mapFailureReason } from './failure-reason.js'

describe('mapFailureReason', () => {
  it('keeps a reason GitLab lists and defaults an empty one to script_failure', () => {
    assert.equal(mapFailureReason('image_pull_failure', ['image_pull_failure']), 'image_pull_failure')
    assert.equal(mapFailureReason(undefined, []), 'script_failure')
  })

  it('falls back through the compat table when GitLab does not list the reason', () => {
    assert.equal(mapFailureReason('image_pull_failure', ['script_failure']), 'runner_system_failure')
    assert.equal(mapFailureReason('runner_configuration_error', []), 'script_failure')
  })

  it('sends unknown_failure for reasons with no fallback', () => {
    assert.equal(mapFailureReason('job_canceled', ['script_failure']), 'unknown_failure')
    assert.equal(mapFailureReason('runner_interrupted', []), 'unknown_failure')
    assert.equal(mapFailureReason('runner_interrupted', ['runner_interrupted']), 'runner_interrupted')
  })
})
