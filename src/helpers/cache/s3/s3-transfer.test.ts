import assert from 'node:assert/strict'
import { readFile, stat, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, it } from 'node:test'
import { formatError } from '../../../core/errors.js'
import { makeTempDir } from '../../../../test/helpers-archive/file-tree.js'
import { startScriptedServer } from '../../../../test/helpers/scripted-server.js'
import type { ReportLine } from '../../helper-log/report-line.js'
import { CacheTransferError } from './s3-errors.js'
import { downloadCacheObject, uploadCacheObject } from './s3-transfer.js'

const fast = { retries: 2, retryDelayMs: 10, timeoutMs: 5_000 }
const query = '?X-Amz-Credential=AK%2F20240101&X-Amz-Signature=deadbeef'

function text(lines: readonly ReportLine[]): string[] {
  return lines.map((line) => {
    const fields = line.kind === 'helper' && line.fields !== undefined ? ` ${JSON.stringify(line.fields)}` : ''

    return `${line.kind === 'helper' ? line.level : line.kind}: ${line.message}${fields}`
  })
}

describe('downloadCacheObject', () => {
  it('streams the object into place and gives it the object’s Last-Modified as mtime', async () => {
    await using tmp = await makeTempDir()
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'last-modified': 'Wed, 01 May 2024 10:00:00 GMT' })
      res.end('archive bytes')
    })
    try {
      const destination = path.join(tmp.path, 'key/cache.zip')
      const result = await downloadCacheObject({ ...fast, get: { method: 'GET', url: `${server.url}/bucket/key${query}`, headers: {} }, destination })

      assert.equal(result.outcome, 'downloaded')
      assert.deepEqual(text(result.lines), [`info: Downloading cache.zip from ${server.url}/bucket/key`])
      assert.equal(await readFile(destination, 'utf8'), 'archive bytes')
      assert.equal((await stat(destination)).mtime.toISOString(), '2024-05-01T10:00:00.000Z')
    } finally {
      await server.close()
    }
  })

  it('keeps a local file at least as new as the object without rewriting it', async () => {
    await using tmp = await makeTempDir()
    const destination = path.join(tmp.path, 'cache.zip')
    await writeFile(destination, 'local')
    await utimes(destination, new Date(), new Date('2024-05-01T10:00:00Z'))
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'last-modified': 'Wed, 01 May 2024 10:00:00 GMT' })
      res.end('remote')
    })
    try {
      const result = await downloadCacheObject({ ...fast, get: { method: 'GET', url: `${server.url}/b/k${query}`, headers: {} }, destination })

      assert.equal(result.outcome, 'up-to-date')
      assert.deepEqual(text(result.lines), ['info: cache.zip is up to date'])
      assert.equal(await readFile(destination, 'utf8'), 'local')
    } finally {
      await server.close()
    }
  })

  it('reports 404 as a miss and leaves no file', async () => {
    await using tmp = await makeTempDir()
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/xml' })
      res.end('<Error><Code>NoSuchKey</Code></Error>')
    })
    try {
      const destination = path.join(tmp.path, 'cache.zip')
      const result = await downloadCacheObject({ ...fast, get: { method: 'GET', url: `${server.url}/b/k${query}`, headers: {} }, destination })

      assert.deepEqual(result, { outcome: 'miss', lines: [] })
      await assert.rejects(stat(destination), { code: 'ENOENT' })
      assert.equal(server.requests.length, 1)
    } finally {
      await server.close()
    }
  })

  it('retries 5xx twice, printing Retrying..., then fails with the status and S3 error code', async () => {
    await using tmp = await makeTempDir()
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/xml' })
      res.end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>')
    })
    try {
      const error = await downloadCacheObject({ ...fast, get: { method: 'GET', url: `${server.url}/b/k${query}`, headers: {} }, destination: path.join(tmp.path, 'cache.zip') }).then(
        () => assert.fail('expected a failure'),
        (caught: unknown) => caught,
      )

      assert.ok(error instanceof CacheTransferError)
      const status = 'received: 503 Service Unavailable. Request failed with code: SlowDown, message: Please reduce your request rate.'
      assert.equal(error.message, status)
      assert.deepEqual(text(error.lines), [
        `warning: Retrying... ${JSON.stringify({ error: status })}`,
        `warning: Retrying... ${JSON.stringify({ error: status })}`,
      ])
      assert.equal(server.requests.length, 3)
    } finally {
      await server.close()
    }
  })

  it('does not retry a 403 and never shows the URL query', async () => {
    await using tmp = await makeTempDir()
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(403)
      res.end()
    })
    try {
      const error = await downloadCacheObject({ ...fast, get: { method: 'GET', url: `${server.url}/b/k${query}`, headers: {} }, destination: path.join(tmp.path, 'cache.zip') }).catch((caught: unknown) => caught)

      assert.ok(error instanceof CacheTransferError)
      assert.equal(error.message, 'received: 403 Forbidden')
      assert.equal(server.requests.length, 1)
    } finally {
      await server.close()
    }
  })

  it('names what it was doing when the connection fails, without the query', async () => {
    await using tmp = await makeTempDir()
    const server = await startScriptedServer((_req, res) => {
      res.end()
    })
    const url = `${server.url}/b/k${query}`
    await server.close()

    const error = await downloadCacheObject({ ...fast, retries: 0, get: { method: 'GET', url, headers: {} }, destination: path.join(tmp.path, 'cache.zip') }).catch((caught: unknown) => caught)

    assert.ok(error instanceof CacheTransferError)
    assert.match(formatError(error), /^downloading cache\.zip: .*ECONNREFUSED/)
    assert.ok(!formatError(error).includes('deadbeef'))
  })
})

describe('uploadCacheObject', () => {
  it('PUTs the file with the official headers plus the signed ones, after one retry on 500', async () => {
    await using tmp = await makeTempDir()
    const archive = path.join(tmp.path, 'cache.zip')
    await writeFile(archive, 'zip bytes')
    await utimes(archive, new Date(), new Date('2024-05-01T10:00:00Z'))
    const server = await startScriptedServer((_req, res, index) => {
      res.writeHead(index === 0 ? 500 : 200)
      res.end()
    })
    try {
      const lines = await uploadCacheObject({
        ...fast,
        put: { method: 'PUT', url: `${server.url}/b/k${query}`, headers: { 'x-amz-meta-cachekey': 'k' } },
        file: archive,
        name: 'cache.zip',
      })

      assert.deepEqual(text(lines), [
        `info: Uploading cache.zip to ${server.url}/b/k`,
        `warning: Retrying... ${JSON.stringify({ error: 'received: 500 Internal Server Error' })}`,
      ])
      assert.equal(server.requests.length, 2)
      const last = server.requests[1]!
      assert.equal(last.method, 'PUT')
      assert.equal(last.url, `/b/k${query}`)
      assert.equal(last.body.toString(), 'zip bytes')
      assert.equal(last.headers['content-type'], 'application/octet-stream')
      assert.equal(last.headers['content-length'], '9')
      assert.equal(last.headers['last-modified'], 'Wed, 01 May 2024 10:00:00 GMT')
      assert.equal(last.headers['x-amz-meta-cachekey'], 'k')
    } finally {
      await server.close()
    }
  })
})
