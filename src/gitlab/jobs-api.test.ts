import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { sendJson, startScriptedServer, type ScriptedHandler, type ScriptedServer } from '../../test/helpers/scripted-server.js'
import { createApiClient } from './api-client.js'
import { patchTrace, rangeEnd, requestJob, updateJob } from './jobs-api.js'
import { buildRunnerInfo } from './runner-info.js'

const info = buildRunnerInfo({ executor: 'shell' })

describe('jobs API', () => {
  const servers: ScriptedServer[] = []
  after(async () => {
    for (const server of servers) await server.close()
  })
  async function serve(handler: ScriptedHandler, backoffMs = 20) {
    const server = await startScriptedServer(handler)
    servers.push(server)

    return { server, client: createApiClient({ url: server.url, retryBackoffMinMs: backoffMs }) }
  }

  it('gets the job after four 503 answers within one request, with growing waits', async () => {
    const { server, client } = await serve((_req, res, index) => (index < 4 ? sendJson(res, 503, {}) : sendJson(res, 201, { id: 1, token: 't' })))
    const result = await requestJob(client, { token: 'glrt-x', info })
    assert.equal(result.kind, 'job')
    const gaps = server.requests.slice(1).map((req, i) => req.at - server.requests[i]!.at)
    assert.equal(gaps.length, 4)
    assert.ok(gaps[3]! > gaps[0]!, `waits grow: ${gaps.join(',')}`)
  })

  it('honours Retry-After on 429 before the next attempt', async () => {
    const { server, client } = await serve((_req, res, index) => (index === 0 ? sendJson(res, 429, {}, { 'retry-after': '1' }) : sendJson(res, 204, {})))
    const result = await requestJob(client, { token: 'glrt-x', info })
    assert.equal(result.kind, 'no-job')
    assert.ok(server.requests[1]!.at - server.requests[0]!.at >= 950)
  })

  it('counts only 403 and client errors as unhealthy', async () => {
    const statuses = [403, 409, 422, 500]
    const { client } = await serve((_req, res, index) => sendJson(res, statuses[Math.min(index, statuses.length - 1)]!, {}), 1)
    assert.equal((await requestJob(client, { token: 'a', info })).healthy, false)
    assert.equal((await requestJob(client, { token: 'a', info })).healthy, true)
    assert.equal((await requestJob(client, { token: 'a', info })).healthy, true)
    assert.equal((await requestJob(client, { token: 'a', info })).healthy, true)
    const broken = createApiClient({ url: 'ftp://nowhere' })
    assert.equal((await requestJob(broken, { token: 'a', info })).healthy, false)
  })

  it('maps update answers: Job-Status canceled aborts, canceling requests a cancel, intervals are capped', async () => {
    const answers: Array<[number, Record<string, string>]> = [
      [200, { 'job-status': 'canceled' }],
      [200, { 'job-status': 'canceling', 'x-gitlab-trace-update-interval': '100000' }],
      [202, { 'x-gitlab-trace-update-interval': 'abc' }],
      [412, {}],
    ]
    const { server, client } = await serve((_req, res, index) => {
      const [status, headers] = answers[index]!
      res.writeHead(status, headers)
      res.end()
    })
    const put = () => updateJob(client, { jobId: 1, jobToken: 'j', state: 'running', info })
    assert.equal((await put()).kind, 'abort')
    const canceling = await put()
    assert.equal(canceling.kind, 'ok')
    assert.equal(canceling.cancelRequested, true)
    assert.equal(canceling.updateIntervalMs, 15 * 60_000)
    const accepted = await put()
    assert.equal(accepted.kind, 'accepted')
    assert.equal(accepted.updateIntervalMs, undefined)
    assert.equal(accepted.invalidInterval, 'abc')
    assert.equal((await put()).kind, 'trace-reset')
    const body = JSON.parse(server.requests[0]!.body.toString()) as Record<string, unknown>
    assert.deepEqual(body.output, {})
    assert.equal(body.token, 'j')
  })

  it('sends an inclusive Content-Range and debug_trace, and reads the Range of a 416', async () => {
    const { server, client } = await serve((_req, res) => {
      res.writeHead(416, { range: '0-500' })
      res.end()
    })
    const result = await patchTrace(client, { jobId: 3, jobToken: 'j', offset: 1024, bytes: Buffer.alloc(27), debugTrace: false })
    assert.equal(server.requests[0]!.headers['content-range'], '1024-1050')
    assert.equal(server.requests[0]!.url, '/api/v4/jobs/3/trace?debug_trace=false')
    assert.equal(result.kind, 'range-mismatch')
    assert.equal(result.newOffset, 500)
    assert.equal(rangeEnd(undefined), 0)
    assert.equal(rangeEnd('bytes'), 0)
  })
})
