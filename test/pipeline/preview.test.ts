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
