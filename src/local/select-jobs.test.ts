import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileYaml, expectPlan } from '../../test/pipeline/helpers/repo.js'
import { selectJobs } from './select-jobs.js'

const YAML = `
build: {stage: build, script: [echo]}
test: {stage: test, script: [echo]}
deploy: {stage: deploy, script: [echo], when: manual}
`

test('selectJobs takes the named jobs and what they need; --only-needs only what they need', async (t) => {
  const plan = expectPlan(await compileYaml(t, YAML))

  assert.deepEqual([...selectJobs(plan, ['test']).jobs], ['test', 'build'])
  assert.deepEqual([...selectJobs(plan, ['test']).named], ['test'])
  assert.deepEqual([...selectJobs(plan, ['test'], { onlyNeeds: true }).jobs], ['build'])
  assert.deepEqual([...selectJobs(plan, []).jobs], ['build', 'test', 'deploy'])
})

test('selectJobs refuses an unknown --manual job and --only-needs without a job, naming what to do', async (t) => {
  const plan = expectPlan(await compileYaml(t, YAML))

  assert.throws(() => selectJobs(plan, [], { manual: ['depoly'] }), (err: Error & { hint?: string }) => {
    assert.equal(err.message, 'job "depoly" is not in the pipeline')
    assert.match(err.hint ?? '', /Jobs in this pipeline: build, test, deploy/)

    return true
  })
  assert.deepEqual([...selectJobs(plan, [], { manual: ['deploy'] }).jobs], ['build', 'test', 'deploy'])
  assert.throws(() => selectJobs(plan, [], { onlyNeeds: true }), /--only-needs runs what the named jobs need, but no job was named/)
  assert.throws(() => selectJobs(plan, ['shell', 'test']), (err: Error & { hint?: string }) => /To choose the executor, use --executor shell\./.test(err.hint ?? ''))
})
