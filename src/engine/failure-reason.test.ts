import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mapFailureReason } from './failure-reason.js'

test('reasons GitLab lists pass through and the basic three always do', () => {
  assert.equal(mapFailureReason('job_canceled', ['job_canceled']), 'job_canceled')
  assert.equal(mapFailureReason('job_execution_timeout', []), 'job_execution_timeout')
  assert.equal(mapFailureReason(undefined, []), 'script_failure')
})

test('unsupported reasons follow the compatibility map or become unknown_failure', () => {
  assert.equal(mapFailureReason('image_pull_failure', []), 'runner_system_failure')
  assert.equal(mapFailureReason('runner_configuration_error', ['script_failure']), 'script_failure')
  assert.equal(mapFailureReason('job_canceled', ['script_failure']), 'unknown_failure')
  assert.equal(mapFailureReason('runner_interrupted', []), 'unknown_failure')
})
