import assert from 'node:assert/strict'
import { test } from 'node:test'
import { previewDocument } from '../../src/local/exec-report.js'
import { compileYaml, expectPlan } from './helpers/repo.js'

test('the preview shows top-level variables and workflow as written, default applied and left out, then stages and jobs', async (t) => {
  const yaml = `variables:
  GREETING: hello
  DEPLOY_ENV:
    value: staging
    description: target
workflow:
  name: pipeline for $CI_COMMIT_BRANCH
  rules:
    - if: $CI_COMMIT_BRANCH
default:
  before_script: [echo setup]
build:
  script: [make]
`
  const document = previewDocument(expectPlan(await compileYaml(t, yaml)))
  assert.deepEqual(document, {
    variables: { GREETING: 'hello', DEPLOY_ENV: { value: 'staging', description: 'target' } },
    workflow: { name: 'pipeline for $CI_COMMIT_BRANCH', rules: [{ if: '$CI_COMMIT_BRANCH' }] },
    stages: ['test'],
    build: { stage: 'test', before_script: ['echo setup'], script: ['make'] },
  })
  assert.deepEqual(Object.keys(document), ['variables', 'workflow', 'stages', 'build'])
})

test('the preview has no variables or workflow key when the configuration has none', async (t) => {
  const document = previewDocument(expectPlan(await compileYaml(t, 'job: {script: echo}\n')))
  assert.deepEqual(Object.keys(document), ['stages', 'job'])
})

test('the preview shows a job after its rules: the matched rule\'s variables and when', async (t) => {
  const yaml = `variables: {V: "1"}
main-only:
  variables: {OWN: job}
  rules:
    - if: $CI_COMMIT_BRANCH == "nope"
      variables: {V: never}
    - if: $CI_COMMIT_BRANCH
      when: manual
      variables: {V: from-rule}
  script: [echo $V]
`
  const document = previewDocument(expectPlan(await compileYaml(t, yaml)))
  assert.deepEqual(document['main-only'], { stage: 'test', variables: { OWN: 'job', V: 'from-rule' }, script: ['echo $V'], when: 'manual' })
})
