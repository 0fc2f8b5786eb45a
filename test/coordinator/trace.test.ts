import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import type { JobRecord } from '../../src/coordinator/index.js'
import { call, fixture, takeJob, type Fixture } from './support.js'

let f: Fixture

before(async () => {
  f = await fixture()
})
after(() => f.close())

function patch(id: number, token: string, bytes: Buffer, range: string | undefined) {
  const headers: Record<string, string> = { 'job-token': token, 'content-type': 'text/plain' }
  if (range !== undefined) headers['content-range'] = range

  return call(f.coordinator.url, 'PATCH', `/api/v4/jobs/${id}/trace?debug_trace=false`, { body: bytes, headers })
}

async function runningJob(): Promise<{ id: number; token: string }> {
  const tag = `t${Math.random().toString(36).slice(2)}`
  const runner = f.coordinator.createRunner({ tags: [tag], runUntagged: false })
  const job = f.coordinator.enqueueJob({ project: f.projectId, tags: [tag], script: ['true'] })
  await takeJob(f.coordinator.url, runner.token)

  return job
}

test('contiguous chunks are appended byte for byte, answered 202 with Range, Job-Status and the interval', async () => {
  const job = await runningJob()
  const first = Buffer.from('section_start:1716200000:get_sources\r\x1b[0K\x1b[36;1mGetting\x1b[0;m\n')
  const second = randomBytes(3000)
  const chunks: Buffer[] = []
  f.coordinator.events.on('trace', (record: JobRecord, chunk: Buffer) => {
    if (record.id === job.id) chunks.push(chunk)
  })

  const a = await patch(job.id, job.token, first, `0-${first.length - 1}`)
  const b = await patch(job.id, job.token, second, `${first.length}-${first.length + second.length - 1}`)

  assert.equal(a.status, 202)
  assert.equal(a.headers.range, `0-${first.length}`)
  assert.equal(a.headers['job-status'], 'running')
  assert.equal(a.headers['x-gitlab-trace-update-interval'], '3')
  assert.equal(b.headers.range, `0-${first.length + second.length}`)
  assert.deepEqual(f.coordinator.job(job.id)?.trace, Buffer.concat([first, second]))
  assert.deepEqual(Buffer.concat(chunks), Buffer.concat([first, second]))
})

test('a chunk that does not start at the stored length writes nothing and gets 416 with the stored length', async () => {
  const job = await runningJob()
  await patch(job.id, job.token, Buffer.from('0123456789'), '0-9')

  const overlap = await patch(job.id, job.token, Buffer.from('56789abc'), '5-12')
  const gap = await patch(job.id, job.token, Buffer.from('zz'), '20-21')

  assert.equal(overlap.status, 416)
  assert.equal(overlap.headers.range, '0-10')
  assert.equal(gap.status, 416)
  assert.equal(gap.headers.range, '0-10')
  assert.equal(f.coordinator.job(job.id)?.trace.toString(), '0123456789')
})

test('only the start of Content-Range counts: a wrong inclusive end is not rejected', async () => {
  const job = await runningJob()
  const answer = await patch(job.id, job.token, Buffer.from('abc'), '0-99')

  assert.equal(answer.status, 202)
  assert.equal(answer.headers.range, '0-3')
})

test('a PATCH without Content-Range gets 400 and stores nothing', async () => {
  const job = await runningJob()
  const answer = await patch(job.id, job.token, Buffer.from('abc'), undefined)

  assert.equal(answer.status, 400)
  assert.deepEqual(answer.json, { message: '400 Bad Request - Missing header Content-Range' })
  assert.equal(f.coordinator.job(job.id)?.traceLength, 0)
})

test('PATCH is refused with 403 for a bad token and for a job that is no longer running', async () => {
  const job = await runningJob()
  assert.equal((await patch(job.id, 'glcbt-bad', Buffer.from('x'), '0-0')).status, 403)

  f.coordinator.cancelJob(job.id, 'hard')
  const late = await patch(job.id, job.token, Buffer.from('x'), '0-0')
  assert.equal(late.status, 403)
  assert.equal(late.headers['job-status'], 'canceled')
})

test('a trace over traceSizeLimitBytes drops the job with trace_size_exceeded', async () => {
  const g = await fixture({ traceSizeLimitBytes: 8 })
  try {
    const job = g.coordinator.enqueueJob({ project: g.projectId, script: ['true'] })
    await takeJob(g.coordinator.url, g.runner.token)
    const answer = await call(g.coordinator.url, 'PATCH', `/api/v4/jobs/${job.id}/trace`, {
      body: '0123456789',
      headers: { 'job-token': job.token, 'content-range': '0-9' },
    })

    assert.equal(answer.status, 403)
    assert.equal(g.coordinator.job(job.id)?.failureReason, 'trace_size_exceeded')
  } finally {
    await g.close()
  }
})
