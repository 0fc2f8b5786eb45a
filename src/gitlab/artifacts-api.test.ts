import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startScriptedServer, type ScriptedHandler, type ScriptedServer } from '../../test/helpers/scripted-server.js'
import { createApiClient } from './api-client.js'
import { ApiError } from './api-error.js'
import { downloadArtifact, uploadArtifact } from './artifacts-api.js'

describe('artifacts transport', () => {
  let dir: string
  let file: string
  const servers: ScriptedServer[] = []
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glrunner-artifacts-test-'))
    file = join(dir, 'reports.zip')
    await writeFile(file, Buffer.from('PK-archive-bytes'))
  })
  after(async () => {
    for (const server of servers) await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function serve(handler: ScriptedHandler) {
    const server = await startScriptedServer(handler)
    servers.push(server)

    return { server, client: createApiClient({ url: server.url, retryBackoffMinMs: 1 }) }
  }
  const upload = { jobId: 5, jobToken: 'glcbt-upload', filePath: '', fileName: 'reports.zip', artifactType: 'archive', artifactFormat: 'zip', expireIn: '1 week' }

  it('posts one multipart "file" part with the query parameters and JOB-TOKEN', async () => {
    const { server, client } = await serve((_req, res) => {
      res.writeHead(201)
      res.end('201')
    })
    await uploadArtifact(client, { ...upload, filePath: file })
    const req = server.requests[0]!
    assert.equal(req.url, '/api/v4/jobs/5/artifacts?artifact_format=zip&artifact_type=archive&expire_in=1+week')
    assert.equal(req.headers['job-token'], 'glcbt-upload')
    const boundary = /boundary=(\S+)/.exec(String(req.headers['content-type']))![1]!
    const body = req.body.toString()
    assert.equal(body.split(`--${boundary}`).length, 3, 'exactly one part')
    assert.match(body, /Content-Disposition: form-data; name="file"; filename="reports.zip"/)
    assert.match(body, /\r\n\r\nPK-archive-bytes\r\n/)
  })

  it('does not retry a 413 and fails the upload', async () => {
    const { server, client } = await serve((_req, res) => {
      res.writeHead(413, { 'content-type': 'application/json' })
      res.end('{"message":"413 Request Entity Too Large"}')
    })
    await assert.rejects(uploadArtifact(client, { ...upload, filePath: file }), (err: unknown) => err instanceof ApiError && err.status === 413 && /too large/.test(err.message))
    assert.equal(server.requests.length, 1)
  })

  it('re-sends the full body after 503 answers and succeeds', async () => {
    const { server, client } = await serve((_req, res, index) => {
      res.writeHead(index < 2 ? 503 : 201)
      res.end()
    })
    await uploadArtifact(client, { ...upload, filePath: file })
    assert.equal(server.requests.length, 3)
    assert.ok(server.requests.every((req) => req.body.includes('PK-archive-bytes')))
  })

  it('follows a 307 to the new host under /api/v4/jobs/:id/artifacts', async () => {
    const target = await serve((_req, res) => {
      res.writeHead(201)
      res.end()
    })
    const { client } = await serve((_req, res) => {
      res.writeHead(307, { location: `${target.server.url}/anything?x=1` })
      res.end()
    })
    await uploadArtifact(client, { ...upload, filePath: file })
    assert.equal(target.server.requests[0]!.url.split('?')[0], '/api/v4/jobs/5/artifacts')
  })

  it('downloads through a redirect to storage without forwarding JOB-TOKEN to the other host', async () => {
    const storage = await serve((_req, res) => {
      res.writeHead(200)
      res.end('zip-bytes')
    })
    const { server, client } = await serve((_req, res) => {
      res.writeHead(302, { location: `${storage.server.url.replace('127.0.0.1', 'localhost')}/bucket/a.zip?sig=abc` })
      res.end()
    })
    const destination = join(dir, 'downloaded.zip')
    await downloadArtifact(client, { jobId: 9, jobToken: 'glcbt-dep', destination })
    assert.equal(server.requests[0]!.url, '/api/v4/jobs/9/artifacts?direct_download=true')
    assert.equal(server.requests[0]!.headers['job-token'], 'glcbt-dep')
    assert.equal(storage.server.requests[0]!.headers['job-token'], undefined)
    assert.equal(await readFile(destination, 'utf8'), 'zip-bytes')
  })

  it('fails a download on 404 with a message saying why', async () => {
    const { client } = await serve((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end('{"message":"404 Not Found"}')
    })
    await assert.rejects(downloadArtifact(client, { jobId: 9, jobToken: 't', destination: join(dir, 'x.zip') }), /not found \(no artifacts, or they expired\)/)
  })
})
