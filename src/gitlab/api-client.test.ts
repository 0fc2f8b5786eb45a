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
    const res = await client.request({ method: 'POST', path: 'jobs/request', json: { a: 1 }, expectJson: true, runnerToken: 'glrt-secret' })

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
    const res = await client.request({ method: 'GET', path: 'x' })

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
    const res = await client.request({ method: 'POST', path: 'x', body: () => Readable.from([Buffer.from('abc')]) })

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
    const res = await client.request({ method: 'POST', path: 'jobs/request', json: {}, expectJson: true })

    assert.equal(res.status, -1)
    assert.match(String(res.error), /expected application\/json/)
    await client.close()
  })

  it('reports a refused connection as -1 without retrying, and a bad URL as -100', async () => {
    const server = await startScriptedServer((_req, res) => void res.end())
    const url = server.url
    await server.close()
    const client = createApiClient({ url })
    const refused = await client.request({ method: 'GET', path: 'x' })
    assert.equal(refused.status, -1)
    assert.equal(refused.attempts, 1)

    const broken = createApiClient({ url: 'gopher://host' })
    const res = await broken.request({ method: 'GET', path: 'x' })
    assert.equal(res.status, -100)
  })
})
