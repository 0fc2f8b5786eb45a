import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { sendJson, startScriptedServer } from '../../test/helpers/scripted-server.js'
import { apiBaseUrl, createApiClient } from './api-client.js'
import { backoffMs, retryWaitMs } from './retry-policy.js'

describe('apiBaseUrl', () => {
  it('strips trailing slashes and /ci and appends /api/v4/', () => {
    assert.equal(apiBaseUrl('https://gitlab.example.com/').href, 'https://gitlab.example.com/api/v4/')
    assert.equal(apiBaseUrl('https://gitlab.example.com/ci/').href, 'https://gitlab.example.com/api/v4/')
    assert.equal(apiBaseUrl('http://host:8080/gitlab//').href, 'http://host:8080/gitlab/api/v4/')
  })

  it('refuses schemes other than http and https', () => {
    assert.throws(() => apiBaseUrl('ftp://host'), /unsupported URL scheme/)
    assert.throws(() => apiBaseUrl('not a url'))
  })
})

describe('retry policy', () => {
  it('prefers RateLimit-ResetTime, then Retry-After, then backoff', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')
    assert.equal(retryWaitMs({ attempt: 0, now, headers: { 'ratelimit-resettime': 'Wed, 21 Oct 2015 07:28:05 GMT', 'retry-after': '9' } }), 5000)
    assert.equal(retryWaitMs({ attempt: 0, now, headers: { 'retry-after': '2' } }), 2000)
    assert.equal(retryWaitMs({ attempt: 0, now, headers: {}, random: () => 0 }), 100)
  })

  it('grows the backoff exponentially and caps it at the maximum', () => {
    assert.equal(backoffMs(3, 100, 60_000, () => 0), 800)
    assert.equal(backoffMs(30, 100, 60_000, () => 1), 60_000)
  })
})

describe('ApiClient', () => {
  const closers: Array<() => Promise<void>> = []
  after(async () => {
    for (const close of closers) await close()
  })

  it('sends the identifying headers and remembers X-GitLab-Last-Update per runner token', async () => {
    const server = await startScriptedServer((_req, res) => sendJson(res, 200, { ok: true }, { 'x-gitlab-last-update': 'v7' }))
    closers.push(server.close)
    const client = createApiClient({ url: `${server.url}/ci` })
    const res = await client.request({ endpoint: 'request_job', method: 'POST', path: 'jobs/request', json: { a: 1 }, expectJson: true, runnerToken: 'glrt-secret' })

    assert.equal(res.status, 200)
    assert.deepEqual(res.json, { ok: true })
    const seen = server.requests[0]!
    assert.equal(seen.url, '/api/v4/jobs/request')
    assert.match(String(seen.headers['user-agent']), /^glrunner \S+ \(\S+; node-\d+\.\d+\.\d+; \w+\/\w+\)$/)
    assert.match(String(seen.headers['x-request-id']), /^[0-9a-f]{32}$/)
    assert.equal(seen.headers['runner-token'], 'glrt-secret')
    assert.equal(client.lastUpdate('glrt-secret'), 'v7')
    assert.equal(client.lastUpdate('glrt-other'), '')
    await client.close()
  })

  it('retries 5xx up to five attempts in total and returns the last answer', async () => {
    const server = await startScriptedServer((_req, res) => sendJson(res, 502, { message: 'bad gateway' }))
    closers.push(server.close)
    const client = createApiClient({ url: server.url, retryBackoffMinMs: 5 })
    const res = await client.request({ endpoint: 'request_job', method: 'GET', path: 'x' })

    assert.equal(res.status, 502)
    assert.equal(server.requests.length, 5)
    assert.equal(res.attempts, 5)
    await client.close()
  })

  it('does not retry a 404 and replays a function body on each attempt', async () => {
    const server = await startScriptedServer((_req, res, index) => sendJson(res, index === 0 ? 503 : 404, {}))
    closers.push(server.close)
    const client = createApiClient({ url: server.url, retryBackoffMinMs: 5 })
    const { Readable } = await import('node:stream')
    const res = await client.request({ endpoint: 'request_job', method: 'POST', path: 'x', body: () => Readable.from([Buffer.from('abc')]) })

    assert.equal(res.status, 404)
    assert.deepEqual(server.requests.map((req) => req.body.toString()), ['abc', 'abc'])
    await client.close()
  })

  it('reports a non-JSON success body as the pseudo status -1', async () => {
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'text/html' })
      res.end('<html>')
    })
    closers.push(server.close)
    const client = createApiClient({ url: server.url })
    const res = await client.request({ endpoint: 'request_job', method: 'POST', path: 'jobs/request', json: {}, expectJson: true })

    assert.equal(res.status, -1)
    assert.match(String(res.error), /expected application\/json/)
    await client.close()
  })

  it('reports a refused connection as -1 without retrying, and a bad URL as -100', async () => {
    const server = await startScriptedServer((_req, res) => void res.end())
    const url = server.url
    await server.close()
    const client = createApiClient({ url })
    const refused = await client.request({ endpoint: 'request_job', method: 'GET', path: 'x' })
    assert.equal(refused.status, -1)
    assert.equal(refused.attempts, 1)

    const broken = createApiClient({ url: 'gopher://host' })
    const res = await broken.request({ endpoint: 'request_job', method: 'GET', path: 'x' })
    assert.equal(res.status, -100)
  })

  it('reports each request once to onRequestFinished with its endpoint and final status, -1 for no answer, nothing for -100', async () => {
    const server = await startScriptedServer((_req, res, index) => sendJson(res, index === 0 ? 502 : 202, {}))
    closers.push(server.close)
    const events: Array<{ endpoint: string; method: string; status: number; attempts: number }> = []
    const onRequestFinished = ({ endpoint, method, status, attempts }: (typeof events)[number]) => void events.push({ endpoint, method, status, attempts })
    const client = createApiClient({ url: server.url, retryBackoffMinMs: 5, onRequestFinished })
    await client.request({ endpoint: 'patch_trace', method: 'PATCH', path: 'jobs/1/trace', body: 'x' })
    await client.request({ endpoint: 'update_job', method: 'PUT', path: 'jobs/1', json: {} })
    await client.close()
    await server.close()
    const gone = createApiClient({ url: server.url, onRequestFinished })
    await gone.request({ endpoint: 'request_job', method: 'POST', path: 'jobs/request', json: {} })
    await gone.close()
    await createApiClient({ url: 'gopher://host', onRequestFinished }).request({ endpoint: 'verify_runner', method: 'POST', path: 'runners/verify' })

    assert.deepEqual(events, [
      { endpoint: 'patch_trace', method: 'PATCH', status: 202, attempts: 2 },
      { endpoint: 'update_job', method: 'PUT', status: 202, attempts: 1 },
      { endpoint: 'request_job', method: 'POST', status: -1, attempts: 1 },
    ])
  })

  it('keeps the answer when the onRequestFinished observer throws', async () => {
    const server = await startScriptedServer((_req, res) => sendJson(res, 200, {}))
    closers.push(server.close)
    const client = createApiClient({ url: server.url, onRequestFinished: () => { throw new Error('observer broke') } })
    const res = await client.request({ endpoint: 'update_job', method: 'PUT', path: 'jobs/1', json: {} })

    assert.equal(res.status, 200)
    await client.close()
  })
})
