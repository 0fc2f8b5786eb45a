import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { request } from 'undici'
import { jobPayloadSchema } from '../../src/gitlab/job-payload.js'
import { call, fixture, runnerInfo, takeJob, type Fixture } from './support.js'

let f: Fixture

before(async () => {
  f = await fixture({ maxArtifactBytes: 64 * 1024 })
})
after(() => f.close())

async function runningJob(fx: Fixture = f): Promise<{ id: number; token: string }> {
  const tag = `t${Math.random().toString(36).slice(2)}`
  const runner = fx.coordinator.createRunner({ tags: [tag], runUntagged: false })
  const job = fx.coordinator.enqueueJob({ project: fx.projectId, tags: [tag], script: ['true'] })
  await takeJob(fx.coordinator.url, runner.token)

  return job
}

function upload(base: string, id: number, token: string, bytes: Buffer, options: { query?: string; fields?: Record<string, string>; filename?: string } = {}) {
  const form = new FormData()
  for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value)
  form.append('file', new Blob([bytes]), options.filename ?? 'artifacts.zip')

  return fetch(`${base}/api/v4/jobs/${id}/artifacts${options.query ?? ''}`, { method: 'POST', body: form, headers: { 'JOB-TOKEN': token } })
}

async function finish(id: number, token: string, fx: Fixture = f): Promise<void> {
  await call(fx.coordinator.url, 'PUT', `/api/v4/jobs/${id}`, { json: { token, state: 'success', info: runnerInfo() } })
}

test('an upload stores the single file part on disk with type, format and expiry from the query', async () => {
  const job = await runningJob()
  const bytes = randomBytes(10_000)
  const answer = await upload(f.coordinator.url, job.id, job.token, bytes, { query: '?artifact_format=zip&artifact_type=archive&expire_in=1+week', filename: 'reports.zip' })

  assert.equal(answer.status, 201)
  assert.equal(await answer.text(), '201')
  const [artifact] = f.coordinator.job(job.id)?.artifacts ?? []
  assert.equal(artifact?.artifactType, 'archive')
  assert.equal(artifact?.artifactFormat, 'zip')
  assert.equal(artifact?.expireIn, '1 week')
  assert.equal(artifact?.filename, 'reports.zip')
  assert.equal(artifact?.size, bytes.length)
  assert.deepEqual(await readFile(artifact?.path ?? ''), bytes)
})

test('type and format may come as multipart fields; unknown types, formats and duplicates get 400', async () => {
  const job = await runningJob()
  const junit = await upload(f.coordinator.url, job.id, job.token, Buffer.from('<xml/>'), { fields: { artifact_type: 'junit', artifact_format: 'gzip' }, filename: 'junit.xml.gz' })
  const badType = await upload(f.coordinator.url, job.id, job.token, Buffer.from('x'), { query: '?artifact_type=nonsense' })
  const badFormat = await upload(f.coordinator.url, job.id, job.token, Buffer.from('x'), { query: '?artifact_format=rar' })
  const duplicate = await upload(f.coordinator.url, job.id, job.token, Buffer.from('x'), { query: '?artifact_type=junit&artifact_format=gzip' })

  assert.equal(junit.status, 201)
  assert.equal(f.coordinator.job(job.id)?.artifacts[0]?.artifactType, 'junit')
  assert.equal(badType.status, 400)
  assert.equal(badFormat.status, 400)
  assert.equal(duplicate.status, 400)
  assert.equal(f.coordinator.job(job.id)?.artifacts.length, 1)
})

test('an upload over maxArtifactBytes gets 413 and nothing is stored', async () => {
  const job = await runningJob()
  const answer = await upload(f.coordinator.url, job.id, job.token, randomBytes(100 * 1024))

  assert.equal(answer.status, 413)
  assert.deepEqual(await answer.json(), { message: '413 Request Entity Too Large' })
  assert.equal(f.coordinator.job(job.id)?.artifacts.length, 0)
})

test('uploads are refused with 403 for a bad token or a finished job, and 400 without a file part', async () => {
  const job = await runningJob()
  assert.equal((await upload(f.coordinator.url, job.id, 'glcbt-bad', Buffer.from('x'))).status, 403)
  const form = new FormData()
  form.append('other', 'value')
  const noFile = await fetch(`${f.coordinator.url}/api/v4/jobs/${job.id}/artifacts`, { method: 'POST', body: form, headers: { 'JOB-TOKEN': job.token } })
  assert.equal(noFile.status, 400)
  await finish(job.id, job.token)
  assert.equal((await upload(f.coordinator.url, job.id, job.token, Buffer.from('x'))).status, 403)
})

test('a running job of the same project downloads an earlier job archive; others are refused', async () => {
  const build = await runningJob()
  const bytes = randomBytes(5000)
  await upload(f.coordinator.url, build.id, build.token, bytes)
  await finish(build.id, build.token)

  const tag = `t${Math.random().toString(36).slice(2)}`
  const runner = f.coordinator.createRunner({ tags: [tag], runUntagged: false })
  const consumer = f.coordinator.enqueueJob({ project: f.projectId, tags: [tag], dependencies: [build.id], script: ['true'] })
  const payload = jobPayloadSchema.parse(await takeJob(f.coordinator.url, runner.token))
  assert.deepEqual(payload.dependencies[0]?.artifacts_file, { filename: 'artifacts.zip', size: bytes.length })

  const download = (id: number, token: string | undefined) =>
    request(`${f.coordinator.url}/api/v4/jobs/${id}/artifacts?direct_download=true`, { headers: token === undefined ? {} : { 'job-token': token } })
  const ok = await download(build.id, consumer.token)
  assert.equal(ok.statusCode, 200)
  assert.deepEqual(Buffer.from(await ok.body.arrayBuffer()), bytes)

  const own = await download(build.id, build.token)
  assert.equal(own.statusCode, 403, 'a finished job token is not a running job token')
  await own.body.dump()
  const missing = await download(build.id, undefined)
  assert.equal(missing.statusCode, 401)
  await missing.body.dump()
  const none = await download(consumer.id, consumer.token)
  assert.equal(none.statusCode, 404, 'the consumer itself has no archive')
  await none.body.dump()
})

test('in redirect mode the download answers 302 to a storage URL that needs no JOB-TOKEN and honours Range', async () => {
  const g = await fixture({ artifactsRedirect: true })
  try {
    const build = await runningJob(g)
    const bytes = randomBytes(4096)
    await upload(g.coordinator.url, build.id, build.token, bytes)
    await finish(build.id, build.token, g)
    const consumer = await runningJob(g)

    const redirect = await request(`${g.coordinator.url}/api/v4/jobs/${build.id}/artifacts?direct_download=true`, { headers: { 'job-token': consumer.token } })
    await redirect.body.dump()
    assert.equal(redirect.statusCode, 302)
    const location = String(redirect.headers.location)
    assert.ok(location.startsWith(`${g.coordinator.url}/`), location)

    const stored = await request(location)
    assert.equal(stored.statusCode, 200)
    assert.deepEqual(Buffer.from(await stored.body.arrayBuffer()), bytes)
    const partial = await request(location, { headers: { range: 'bytes=0-0' } })
    assert.equal(partial.statusCode, 206)
    assert.equal(partial.headers['content-range'], `bytes 0-0/${bytes.length}`)
    await partial.body.dump()

    const proxied = await request(`${g.coordinator.url}/api/v4/jobs/${build.id}/artifacts`, { headers: { 'job-token': consumer.token } })
    assert.equal(proxied.statusCode, 200, 'without direct_download=true the archive is served directly')
    await proxied.body.dump()
  } finally {
    await g.close()
  }
})
