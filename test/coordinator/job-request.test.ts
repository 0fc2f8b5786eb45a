import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { jobPayloadSchema } from '../../src/gitlab/job-payload.js'
import { call, fixture, git, runnerInfo, takeJob, type Fixture } from './support.js'

let f: Fixture

before(async () => {
  f = await fixture()
})
after(() => f.close())

function variable(payload: { variables: Array<{ key: string; value: string; masked: boolean }> }, key: string) {
  return payload.variables.find((entry) => entry.key === key)
}

test('a picked job has a payload that parses with jobPayloadSchema and carries GitLab predefined variables', async () => {
  const runner = f.coordinator.createRunner({ tags: ['linux'], description: 'parse runner' })
  const job = f.coordinator.enqueueJob({
    project: 'group/app',
    name: 'unit tests',
    stage: 'check',
    tags: ['linux'],
    beforeScript: ['echo before'],
    script: ['echo hi'],
    afterScript: ['echo after'],
    variables: [{ key: 'SECRET', value: 's3cr3t', masked: true }],
    image: 'alpine:3.20',
  })
  const raw = await takeJob(f.coordinator.url, runner.token)
  const payload = jobPayloadSchema.parse(raw)

  assert.equal(payload.id, job.id)
  assert.equal(payload.token, job.token)
  assert.match(job.token, /^glcbt-/)
  assert.equal(payload.git_info.sha, f.repo.sha)
  assert.equal(payload.git_info.ref, 'main')
  assert.equal(payload.git_info.repo_url, `http://gitlab-ci-token:${job.token}@${new URL(f.coordinator.url).host}/group/app.git`)
  const pipelineId = payload.job_info.pipeline_id
  assert.deepEqual(payload.git_info.refspecs, [`+${f.repo.sha}:refs/pipelines/${pipelineId}`, '+refs/heads/main:refs/remotes/origin/main'])
  assert.deepEqual(payload.steps.map((step) => [step.name, step.script, step.when, step.allow_failure]), [
    ['script', ['echo before', 'echo hi'], 'on_success', false],
    ['after_script', ['echo after'], 'always', true],
  ])
  assert.equal(payload.features.trace_sections, true)
  assert.ok(payload.features.failure_reasons.includes('script_failure'))
  assert.equal(payload.image?.name, 'alpine:3.20')
  assert.deepEqual(variable(payload, 'CI_JOB_TOKEN'), { key: 'CI_JOB_TOKEN', value: job.token, public: false, masked: true, file: false, raw: false })
  assert.equal(variable(payload, 'CI_JOB_ID')?.value, String(job.id))
  assert.equal(variable(payload, 'CI_JOB_NAME')?.value, 'unit tests')
  assert.equal(variable(payload, 'CI_JOB_STAGE')?.value, 'check')
  assert.equal(variable(payload, 'CI_COMMIT_BRANCH')?.value, 'main')
  assert.equal(variable(payload, 'CI_COMMIT_TAG'), undefined)
  assert.equal(variable(payload, 'CI_COMMIT_TITLE')?.value, 'Second commit')
  assert.equal(variable(payload, 'CI_PROJECT_PATH')?.value, 'group/app')
  assert.equal(variable(payload, 'CI_PROJECT_NAMESPACE')?.value, 'group')
  assert.equal(variable(payload, 'CI_SERVER_URL')?.value, f.coordinator.url)
  assert.equal(variable(payload, 'CI_RUNNER_ID')?.value, String(runner.id))
  assert.equal(variable(payload, 'CI_RUNNER_DESCRIPTION')?.value, 'parse runner')
  assert.equal(variable(payload, 'CI_RUNNER_TAGS')?.value, '["linux"]')
  assert.equal(variable(payload, 'SECRET')?.masked, true)
  assert.equal(git(f.repo.dir, ['rev-parse', `refs/pipelines/${pipelineId}`]), f.repo.sha)
  assert.equal(f.coordinator.job(job.id)?.state, 'running')
})

test('a tag job with depth 0 gets CI_COMMIT_TAG and the full-clone refspecs', async () => {
  const runner = f.coordinator.createRunner()
  f.coordinator.enqueueJob({ project: f.projectId, ref: 'v1.0', refType: 'tag', depth: 0, script: ['true'] })
  const payload = jobPayloadSchema.parse(await takeJob(f.coordinator.url, runner.token))

  assert.equal(variable(payload, 'CI_COMMIT_TAG')?.value, 'v1.0')
  assert.equal(variable(payload, 'CI_COMMIT_BRANCH'), undefined)
  assert.deepEqual(payload.git_info.refspecs.slice(1), ['+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'])
  assert.equal(payload.git_info.ref_type, 'tag')
})

test('with no job the answer is 204 with X-GitLab-Last-Update, and the same value again while nothing changes', async () => {
  const runner = f.coordinator.createRunner({ tags: ['idle'], runUntagged: false })
  const first = await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: runner.token, info: runnerInfo() } })
  const version = first.headers['x-gitlab-last-update']
  const second = await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: runner.token, last_update: version } })
  f.coordinator.enqueueJob({ project: f.projectId, tags: ['idle'], script: ['true'] })
  const third = await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: runner.token, last_update: version } })

  assert.equal(first.status, 204)
  assert.ok(version !== undefined && version !== '')
  assert.equal(second.status, 204)
  assert.equal(second.headers['x-gitlab-last-update'], version)
  assert.equal(third.status, 201)
})

test('jobs go only to runners with all their tags, and untagged jobs only to run_untagged runners', async () => {
  const tagged = f.coordinator.createRunner({ tags: ['docker'], runUntagged: false })
  const job = f.coordinator.enqueueJob({ project: f.projectId, tags: ['docker', 'gpu'], script: ['true'] })
  const untagged = f.coordinator.enqueueJob({ project: f.projectId, script: ['true'] })

  const answer = await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: tagged.token } })
  assert.equal(answer.status, 204)

  const gpu = f.coordinator.createRunner({ tags: ['docker', 'gpu', 'linux'], runUntagged: false })
  assert.equal((await takeJob(f.coordinator.url, gpu.token)).id, job.id)
  assert.equal(f.coordinator.job(job.id)?.runnerId, gpu.id)
  assert.equal((await takeJob(f.coordinator.url, f.runner.token)).id, untagged.id)
})

test('an unknown runner token gets 403 and a paused runner gets 204', async () => {
  const paused = f.coordinator.createRunner({ paused: true, tags: ['paused-only'], runUntagged: false })
  f.coordinator.enqueueJob({ project: f.projectId, tags: ['paused-only'], script: ['true'] })
  const forbidden = await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: 'glrt-nope' } })
  const idle = await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: paused.token } })

  assert.equal(forbidden.status, 403)
  assert.equal(idle.status, 204)
  f.coordinator.setRunnerPaused(paused.id, false)
  assert.equal((await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: paused.token } })).status, 201)
})

test('job requests record the runner manager by system_id with the info it sent', async () => {
  const runner = f.coordinator.createRunner({ tags: ['managers'], runUntagged: false })
  await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: runner.token, system_id: 's_manager00001', info: runnerInfo({ artifacts: true }) } })
  await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: runner.token } })
  const managers = f.coordinator.runner(runner.id)?.managers

  assert.deepEqual([...(managers?.keys() ?? [])].sort(), ['<legacy>', 's_manager00001'])
  assert.equal((managers?.get('s_manager00001')?.info?.features as Record<string, boolean>).artifacts, true)
})

test('rawPayload and payloadPatch hand out deliberately malformed payloads', async () => {
  const runner = f.coordinator.createRunner({ tags: ['bad'], runUntagged: false })
  f.coordinator.enqueueJob({ project: f.projectId, tags: ['bad'], payloadPatch: (p) => ({ ...p, steps: 'not-a-list' }) })
  f.coordinator.enqueueJob({ project: f.projectId, tags: ['bad'], rawPayload: '{"id": 1, truncated' })

  const patched = await takeJob(f.coordinator.url, runner.token)
  assert.equal(patched.steps, 'not-a-list')
  assert.equal(jobPayloadSchema.safeParse(patched).success, false)
  const raw = await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: runner.token } })
  assert.equal(raw.status, 201)
  assert.equal(raw.text, '{"id": 1, truncated')
})

test('dependencies carry artifacts_file only when the earlier job uploaded an archive', async () => {
  const runner = f.coordinator.createRunner({ tags: ['deps'], runUntagged: false })
  const build = f.coordinator.enqueueJob({ project: f.projectId, tags: ['deps'], name: 'build', script: ['true'] })
  const test2 = f.coordinator.enqueueJob({ project: f.projectId, tags: ['deps'], name: 'test', dependencies: [build.id], script: ['true'] })
  await takeJob(f.coordinator.url, runner.token)
  const payload = await takeJob(f.coordinator.url, runner.token)

  assert.equal(payload.id, test2.id)
  assert.deepEqual(payload.dependencies, [{ id: build.id, name: 'build', token: test2.token }])
})
