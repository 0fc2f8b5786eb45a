import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { traceChecksum } from '../../src/coordinator/index.js'
import { call, fixture, runnerInfo, takeJob, type Fixture } from './support.js'

let f: Fixture

before(async () => {
  f = await fixture()
})
after(() => f.close())

async function runningJob(): Promise<{ id: number; token: string }> {
  const tag = `t${Math.random().toString(36).slice(2)}`
  const runner = f.coordinator.createRunner({ tags: [tag], runUntagged: false })
  const job = f.coordinator.enqueueJob({ project: f.projectId, tags: [tag], script: ['true'] })
  await takeJob(f.coordinator.url, runner.token)

  return job
}

function put(id: number, token: string, body: Record<string, unknown>) {
  return call(f.coordinator.url, 'PUT', `/api/v4/jobs/${id}`, { json: { token, info: runnerInfo(), ...body } })
}

function patch(id: number, token: string, start: number, text: string) {
  return call(f.coordinator.url, 'PATCH', `/api/v4/jobs/${id}/trace`, {
    body: text,
    headers: { 'job-token': token, 'content-range': `${start}-${start + Buffer.byteLength(text) - 1}` },
  })
}

test('a burst of 503 answers the next requests, then normal handling resumes', async () => {
  const runner = f.coordinator.createRunner({ tags: ['burst'], runUntagged: false })
  f.coordinator.inject({ endpoint: 'request', times: 3, action: { status: 503, headers: { 'Retry-After': '1' } } })
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) {
    const answer = await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: runner.token } })
    statuses.push(answer.status)
    if (answer.status === 503) assert.equal(answer.headers['retry-after'], '1')
  }

  assert.deepEqual(statuses, [503, 503, 503, 204])
  assert.equal(f.coordinator.pendingFaults, 0)
})

test('a drop fault destroys the connection without an answer and is recorded as dropped', async () => {
  f.coordinator.inject({ endpoint: 'verify', action: { drop: true } })
  const before = f.coordinator.requests.length

  await assert.rejects(call(f.coordinator.url, 'POST', '/api/v4/runners/verify', { json: { token: f.runner.token } }))
  const recorded = f.coordinator.requests.slice(before)
  assert.equal(recorded[0]?.dropped, true)
  assert.equal(recorded[0]?.status, undefined)
  assert.equal((await call(f.coordinator.url, 'POST', '/api/v4/runners/verify', { json: { token: f.runner.token } })).status, 200)
})

test('a delay fault holds the request, then answers normally', async () => {
  f.coordinator.inject({ endpoint: 'verify', action: { delayMs: 250 } })
  const started = Date.now()
  const answer = await call(f.coordinator.url, 'POST', '/api/v4/runners/verify', { json: { token: f.runner.token } })

  assert.equal(answer.status, 200)
  assert.ok(Date.now() - started >= 240, `answered after ${Date.now() - started} ms`)
})

test('final updates can answer 202 twice with an interval before the normal 200, and only for that job', async () => {
  const job = await runningJob()
  const other = await runningJob()
  f.coordinator.inject({ endpoint: 'update', jobId: job.id, onlyFinal: true, times: 2, action: { status: 202, headers: { 'X-GitLab-Trace-Update-Interval': '1' } } })

  assert.equal((await put(job.id, job.token, { state: 'running' })).status, 200, 'a keep-alive is not a final update')
  assert.equal((await put(other.id, other.token, { state: 'success' })).status, 200, 'another job is not affected')
  const first = await put(job.id, job.token, { state: 'success' })
  const second = await put(job.id, job.token, { state: 'success' })
  const third = await put(job.id, job.token, { state: 'success' })

  assert.deepEqual([first.status, second.status, third.status], [202, 202, 200])
  assert.equal(first.headers['x-gitlab-trace-update-interval'], '1')
  assert.equal(first.headers['job-status'], 'running')
  assert.deepEqual(f.coordinator.job(job.id)?.updates.map((u) => `${u.state}:${u.status}`), ['running:200', 'success:202', 'success:202', 'success:200'])
  assert.equal(f.coordinator.job(job.id)?.state, 'success')
})

test('a 412 on the final update clears the stored trace so the resend from byte 0 is accepted', async () => {
  const job = await runningJob()
  await patch(job.id, job.token, 0, 'line one\nline two\n')
  f.coordinator.inject({ endpoint: 'update', onlyFinal: true, action: { status: 412 } })

  const checksum = traceChecksum(Buffer.from('line one\nline two\n'))
  assert.equal((await put(job.id, job.token, { state: 'success', output: { checksum, bytesize: 18 } })).status, 412)
  assert.equal(f.coordinator.job(job.id)?.traceLength, 0)
  assert.equal((await patch(job.id, job.token, 0, 'line one\nline two\n')).status, 202)
  assert.equal((await put(job.id, job.token, { state: 'success', output: { checksum, bytesize: 18 } })).status, 200)
  assert.equal(f.coordinator.job(job.id)?.checksumMatches, true)
})

test('a trace fault answers 416 with a chosen Range and can shrink the stored trace to match', async () => {
  const job = await runningJob()
  await patch(job.id, job.token, 0, '0123456789')
  f.coordinator.inject({ endpoint: 'trace', action: { status: 416, headers: { Range: '0-4' }, truncateTraceTo: 4 } })

  const faulted = await patch(job.id, job.token, 10, 'abc')
  assert.equal(faulted.status, 416)
  assert.equal(faulted.headers.range, '0-4')
  assert.equal((await patch(job.id, job.token, 4, '456789abc')).status, 202)
  assert.equal(f.coordinator.job(job.id)?.trace.toString(), '0123456789abc')
})

test('an artifact upload fault answers after reading the body, and the retry is stored', async () => {
  const job = await runningJob()
  f.coordinator.inject({ endpoint: 'artifacts_upload', times: 2, action: { status: 503 } })
  const send = () => {
    const form = new FormData()
    form.append('file', new Blob([Buffer.from('zipbytes')]), 'artifacts.zip')

    return fetch(`${f.coordinator.url}/api/v4/jobs/${job.id}/artifacts`, { method: 'POST', body: form, headers: { 'JOB-TOKEN': job.token } })
  }
  const statuses = [(await send()).status, (await send()).status, (await send()).status]

  assert.deepEqual(statuses, [503, 503, 201])
  assert.equal(f.coordinator.job(job.id)?.artifacts.length, 1)
})

test('a fault with a bad times value is rejected', () => {
  assert.throws(() => f.coordinator.inject({ endpoint: 'trace', times: 0, action: { status: 500 } }), RangeError)
})
