import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileYaml, expectErrors } from './helpers/repo.js'

test("every key error of a job is reported: the job's own checks first, then its entries in GitLab's order", async (t) => {
  const yaml = `job:
  parallel: 0
  artifacts: {bar: 1}
  foo: 1
  script: x
  when: bogus
  rules: [{if: "$A = 1"}]
  only: [main]
  start_in: 1 day
`
  assert.deepEqual(expectErrors(await compileYaml(t, yaml)), [
    'jobs:job: config key may not be used with `rules`: only, start_in',
    'jobs:job: config contains unknown keys: foo',
    'jobs:job: when should be one of: on_success, on_failure, always, manual, delayed',
    'jobs:job: start in must be blank',
    'jobs:job:rules:rule: if invalid expression syntax',
    'jobs:job:artifacts: config contains unknown keys: bar',
    'jobs:job:parallel: config must be greater than or equal to 1',
  ])
})

test('the order does not depend on the order the keys are written in', async (t) => {
  const first = expectErrors(await compileYaml(t, 'job: {timeout: x1, bogus: 1, retry: 5, script: x, variables: [1]}\n'))
  const second = expectErrors(await compileYaml(t, 'job: {variables: [1], script: x, retry: 5, bogus: 1, timeout: x1}\n'))
  assert.deepEqual(first, second)
  assert.deepEqual(first, [
    'jobs:job: config contains unknown keys: bogus',
    'jobs:job:variables: config should be a hash of key value pairs',
    'jobs:job:timeout: config should be a duration',
    'jobs:job:timeout: config should not exceed the limit',
    'jobs:job:retry: max config must be less than or equal to 2',
  ])
})

test('global entries come first in the root order (default, variables, stages), then the jobs node, then each job', async (t) => {
  const yaml = 'stages: 1\nvariables: 1\ndefault: {foo: 1}\nb: {scriptt: x}\na: {script: x, bar: 1}\n'
  assert.deepEqual(expectErrors(await compileYaml(t, yaml)), [
    'default: config contains unknown keys: foo',
    'variables: config should be a hash of key value pairs',
    'stages: config should be an array of strings',
    'jobs: b config should implement the script:, run:, or trigger: keyword',
    'jobs:a: config contains unknown keys: bar',
  ])
})
