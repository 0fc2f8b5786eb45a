import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { traceChecksum } from '../../src/coordinator/index.js'
import { call, fixture, runnerInfo, takeJob, type Fixture } from './support.js'

let f: Fixture

before(async () => {
  f = await fixture({ traceUpdateIntervalSeconds: 7 })
})
after(() => f.close())

function put(id: number, token: string, body: Record<string, unknown>) {
  return call(f.coordinator.url, 'PUT', `/api/v4/jobs/${id}`, { json: { token, info: runnerInfo(), ...body } })
}

function patch(id: number, token: string, start: number, bytes: string | Buffer) {
  const length = Buffer.byteLength(bytes)

  return call(f.coordinator.url, 'PATCH', `/api/v4/jobs/${id}/trace`, {
    body: bytes,
    headers: { 'job-token': token, 'content-type': 'text/plain', 'content-range': `${start}-${start + length - 1}` },
  })
}

/** Enqueues a job only this test's runner can take, and takes it. */
async function runningJob(twoPhase = false): Promise<{ id: number; token: string }> {
  const tag = `t${Math.random().toString(36).slice(2)}`
  const runner = f.coordinator.createRunner({ tags: [tag], runUntagged: false })
  const job = f.coordinator.enqueueJob({ project: f.projectId, tags: [tag], script: ['true'] })
  await takeJob(f.coordinator.url, runner.token, runnerInfo({ two_phase_job_commit: twoPhase }))

  return job
}

test('with two-phase commit the job stays pending until the runner acknowledges with running', async () => {
  const job = await runningJob(true)
  assert.equal(f.coordinator.job(job.id)?.state, 'pending')
  assert.equal(f.coordinator.job(job.id)?.awaitingAck, true)

  const keepAlive = await put(job.id, job.token, { state: 'pending' })
  assert.equal(keepAlive.status, 200)
  assert.equal(keepAlive.headers['job-status'], 'pending')
  assert.equal((await patch(job.id, job.token, 0, 'early')).status, 403)

  const ack = await put(job.id, job.token, { state: 'running' })
  assert.equal(ack.status, 200)
  assert.equal(ack.headers['job-status'], 'running')
  assert.equal(ack.headers['x-gitlab-trace-update-interval'], '7')
  assert.equal(f.coordinator.job(job.id)?.state, 'running')
  assert.equal((await put(job.id, job.token, { state: 'pending' })).status, 409)
})

test('a job waiting for its acknowledgement refuses other states with 400', async () => {
  const job = await runningJob(true)
  assert.equal((await put(job.id, job.token, { state: 'success' })).status, 400)
  assert.equal((await put(job.id, job.token, { state: 'bogus' })).status, 400)
})

test('a bad job token gets 403, an unknown job 404', async () => {
  const job = await runningJob()
  assert.equal((await put(job.id, 'glcbt-wrong', { state: 'running' })).status, 403)
  assert.equal((await put(999_999, job.token, { state: 'running' })).status, 404)
  f.coordinator.revokeJobToken(job.id)
  assert.equal((await put(job.id, job.token, { state: 'running' })).status, 403)
})

test('a final success records state, verifies the checksum and later updates get 403 with Job-Status', async () => {
  const job = await runningJob()
  const trace = 'hello\n'
  assert.equal((await patch(job.id, job.token, 0, trace)).status, 202)
  const checksum = traceChecksum(Buffer.from(trace))
  assert.equal(checksum, 'crc32:363a3020')

  const final = await put(job.id, job.token, { state: 'success', checksum, output: { checksum, bytesize: 6 } })
  assert.equal(final.status, 200)
  assert.equal(final.text, '200')
  assert.equal(final.headers['job-status'], 'success')
  const record = f.coordinator.job(job.id)
  assert.equal(record?.state, 'success')
  assert.equal(record?.checksumMatches, true)
  assert.equal(record?.bytesizeMatches, true)
  assert.deepEqual(record?.updates.map((update) => [update.state, update.status]), [['success', 200]])

  const late = await put(job.id, job.token, { state: 'running' })
  assert.equal(late.status, 403)
  assert.equal(late.headers['job-status'], 'success')
})

test('a final failure records reason and exit code; a wrong checksum is flagged; unknown reasons become unknown_failure', async () => {
  const job = await runningJob()
  await patch(job.id, job.token, 0, 'boom\n')
  await put(job.id, job.token, { state: 'failed', failure_reason: 'script_failure', exit_code: 3, output: { checksum: 'crc32:00000000', bytesize: 5 } })
  const record = f.coordinator.job(job.id)

  assert.equal(record?.state, 'failed')
  assert.equal(record?.failureReason, 'script_failure')
  assert.equal(record?.exitCode, 3)
  assert.equal(record?.checksumMatches, false)

  const other = await runningJob()
  await put(other.id, other.token, { state: 'failed', failure_reason: 'job_canceled' })
  assert.equal(f.coordinator.job(other.id)?.failureReason, 'unknown_failure')
  assert.equal(f.coordinator.job(other.id)?.reportedFailureReason, 'job_canceled')
})

test('a graceful cancel answers Job-Status canceling, and the final update turns the job canceled', async () => {
  const job = await runningJob()
  f.coordinator.cancelJob(job.id, 'graceful')

  const beat = await put(job.id, job.token, { state: 'running' })
  assert.equal(beat.status, 200)
  assert.equal(beat.headers['job-status'], 'canceling')
  const trace = await patch(job.id, job.token, 0, 'after_script output\n')
  assert.equal(trace.status, 202)
  assert.equal(trace.headers['job-status'], 'canceling')

  const waited = f.coordinator.waitForJob(job.id, { timeoutMs: 2000 })
  await put(job.id, job.token, { state: 'failed', failure_reason: 'unknown_failure' })
  assert.equal((await waited).state, 'canceled')
})

test('a hard cancel makes updates answer 403 with Job-Status canceled', async () => {
  const job = await runningJob()
  f.coordinator.cancelJob(job.id, 'hard')
  const answer = await put(job.id, job.token, { state: 'running' })

  assert.equal(answer.status, 403)
  assert.equal(answer.headers['job-status'], 'canceled')
})

test('waitForJob rejects with a clear message when the state never comes', async () => {
  const job = await runningJob()
  await assert.rejects(f.coordinator.waitForJob(job.id, { timeoutMs: 50 }), {
    name: 'JobWaitTimeoutError',
    message: `job ${job.id} did not reach success|failed|canceled within 50 ms (state: running)`,
  })
})
