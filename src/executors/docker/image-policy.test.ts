import { test } from 'node:test'
import assert from 'node:assert/strict'
import { GlrunnerError } from '../../core/errors.js'
import { effectivePullPolicies, isImageAllowed, privilegedFor } from './image-policy.js'

test('allowed_images patterns match with doublestar globs (case 13)', () => {
  const patterns = ['ruby:*', 'registry.example.com/**']
  assert.equal(isImageAllowed('ruby:3.3', patterns), true)
  assert.equal(isImageAllowed('registry.example.com/a/b/c:1', patterns), true)
  assert.equal(isImageAllowed('alpine:3', patterns), false)
  assert.equal(isImageAllowed('anything', []), true)
})

test('job pull policies are filtered to the allowed ones, order kept', () => {
  assert.deepEqual(effectivePullPolicies({ image: 'a', job: [], runner: [], allowed: [] }), ['always'])
  assert.deepEqual(effectivePullPolicies({ image: 'a', job: ['never', 'always', 'if-not-present'], runner: [], allowed: ['if-not-present', 'never'] }), ['never', 'if-not-present'])
  assert.deepEqual(effectivePullPolicies({ image: 'a', job: ['always', 'never'], runner: ['never'], allowed: [] }), ['never'])
})

test('nothing allowed left is a runner_configuration_error with the official text (case 12)', () => {
  assert.throws(
    () => effectivePullPolicies({ image: 'alpine:3', job: ['always'], runner: [], allowed: ['if-not-present'] }),
    (err: unknown) => err instanceof GlrunnerError && err.failureReason === 'runner_configuration_error' &&
      err.message === 'invalid pull policy for image "alpine:3": pull_policy ([always]) defined in GitLab pipeline config is not one of the allowed_pull_policies ([if-not-present])',
  )
})

test('privileged applies only to images on allowed_privileged_*; an empty list allows all; others run unprivileged with a warning', () => {
  assert.deepEqual(privilegedFor('docker:27-dind', 'services', true, ['docker:*-dind']), { privileged: true })
  assert.deepEqual(privilegedFor('docker:27-dind', 'services', true, []), { privileged: true })
  assert.deepEqual(privilegedFor('docker:27-dind', 'services', false, ['docker:*-dind']), { privileged: false }, 'the list never grants privileged')
  assert.deepEqual(privilegedFor('ruby:3.3', 'images', true, ['docker:*', 'registry.example.com/**']), {
    privileged: false,
    warning: 'The "ruby:3.3" image is not present on list of allowed privileged images (allowed_privileged_images): its container runs unprivileged',
  })
  assert.match(privilegedFor('redis', 'services', true, ['docker:*'])?.warning ?? '', /allowed privileged services \(allowed_privileged_services\)/)
})
