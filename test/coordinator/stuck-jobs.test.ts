import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, test } from 'node:test'
import { startCoordinator } from '../../src/coordinator/index.js'
import { call, fixture, runnerInfo, takeJob, type Fixture } from './support.js'

const ACK_TIMEOUT_MS = 400
const STALE_JOB_TIMEOUT_MS = 600

let f: Fixture

before(async () => {
  f = await fixture({ ackTimeoutMs: ACK_TIMEOUT_MS, staleJobTimeoutMs: STALE_JOB_TIMEOUT_MS, jobTimeoutGraceMs: 0 })
})
after(() => f.close())

function put(id: number, token: string, state: string) {
  return call(f.coordinator.url, 'PUT', `/api/v4/jobs/${id}`, { json: { token, state, info: runnerInfo() } })
}

function patch(id: number, token: string, start: number, text: string) {
  return call(f.coordinator.url, 'PATCH', `/api/v4/jobs/${id}/trace`, {
    body: text,
    headers: { 'job-token': token, 'content-type': 'text/plain', 'content-range': `${start}-${start + text.length - 1}` },
  })
}

/** A runner of its own takes a new job over HTTP, then does only what the test does: a dead runner. */
async function handedOut(o: { twoPhase: boolean; timeoutSeconds?: number }) {
  const tag = `t${Math.random().toString(36).slice(2)}`
  const runner = f.coordinator.createRunner({ tags: [tag], runUntagged: false })
  const job = f.coordinator.enqueueJob({ project: f.projectId, tags: [tag], script: ['true'], timeoutSeconds: o.timeoutSeconds })
  await takeJob(f.coordinator.url, runner.token, runnerInfo({ two_phase_job_commit: o.twoPhase }))

  return { ...job, runnerToken: runner.token, pickedAt: Date.now() }
}

test('a two-phase job its runner never acknowledges fails with runner_provisioning_timeout and is not handed out again', async () => {
  const job = await handedOut({ twoPhase: true })
  assert.equal(f.coordinator.job(job.id)?.state, 'pending')

  const record = await f.coordinator.waitForJob(job.id, { timeoutMs: 5_000 })
  assert.equal(record.state, 'failed')
  assert.equal(record.failureReason, 'runner_provisioning_timeout')
  assert.equal(record.awaitingAck, false)
  assert.ok(Date.now() - job.pickedAt >= ACK_TIMEOUT_MS, 'not before the acknowledgement timeout')

  const late = await put(job.id, job.token, 'running')
  assert.equal(late.status, 403, 'a late acknowledgement is refused')
  assert.equal(late.headers['job-status'], 'failed')
  const again = await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: job.runnerToken, info: runnerInfo({ two_phase_job_commit: true }) } })
  assert.equal(again.status, 204, 'GitLab does not re-queue a handed-out job')
})

test('pending keep-alives hold a two-phase job past the acknowledgement timeout', async () => {
  const job = await handedOut({ twoPhase: true })
  for (let elapsed = 0; elapsed < 2.5 * ACK_TIMEOUT_MS; elapsed += 150) {
    assert.equal((await put(job.id, job.token, 'pending')).status, 200)
    await sleep(150)
  }
  assert.equal(f.coordinator.job(job.id)?.state, 'pending')

  assert.equal((await put(job.id, job.token, 'running')).status, 200)
  assert.equal((await put(job.id, job.token, 'success')).status, 200)
  assert.equal(f.coordinator.job(job.id)?.state, 'success')
})

test('a running job lives while its runner patches the trace, and fails with stuck_or_timeout_failure once it goes silent', async () => {
  const job = await handedOut({ twoPhase: false })
  let offset = 0
  for (let elapsed = 0; elapsed < 2 * STALE_JOB_TIMEOUT_MS; elapsed += 200) {
    assert.equal((await patch(job.id, job.token, offset, 'tick\n')).status, 202)
    offset += 5
    await sleep(200)
  }
  assert.equal(f.coordinator.job(job.id)?.state, 'running')
  const silentSince = Date.now()

  const record = await f.coordinator.waitForJob(job.id, { timeoutMs: 5_000 })
  assert.equal(record.state, 'failed')
  assert.equal(record.failureReason, 'stuck_or_timeout_failure')
  assert.ok(Date.now() - silentSince >= STALE_JOB_TIMEOUT_MS - 200, 'not before the runner was silent for the stale timeout')
  assert.equal(record.trace.toString(), 'tick\n'.repeat(offset / 5), 'the trace sent so far is kept')
  assert.equal((await patch(job.id, job.token, offset, 'late\n')).status, 403)
})

test('a running job past its timeout fails with job_execution_timeout even while its runner keeps updating', async () => {
  const job = await handedOut({ twoPhase: false, timeoutSeconds: 1 })
  let status = 200
  while (status === 200 && Date.now() - job.pickedAt < 5_000) {
    status = (await put(job.id, job.token, 'running')).status
    await sleep(100)
  }

  const record = f.coordinator.job(job.id)!
  assert.equal(record.state, 'failed')
  assert.equal(record.failureReason, 'job_execution_timeout')
  assert.ok(record.finishedAt! - job.pickedAt >= 1_000, 'not before the job timeout')
  assert.equal(status, 403, 'the next update after the drop is refused')
})

test('a job being canceled whose runner goes silent ends canceled', async () => {
  const job = await handedOut({ twoPhase: false })
  f.coordinator.cancelJob(job.id, 'graceful')
  assert.equal(f.coordinator.job(job.id)?.state, 'canceling')

  const record = await f.coordinator.waitForJob(job.id, { timeoutMs: 5_000 })
  assert.equal(record.state, 'canceled')
  assert.equal(record.failureReason, undefined)
})

test('startCoordinator refuses a timeout that is not a positive number of milliseconds', async () => {
  await assert.rejects(startCoordinator({ staleJobTimeoutMs: 0 }), /staleJobTimeoutMs must be a positive number of milliseconds, got 0/)
  await assert.rejects(startCoordinator({ ackTimeoutMs: Number.NaN }), /ackTimeoutMs must be a positive number of milliseconds, got NaN/)
})
