import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { sendJson, startScriptedServer, type ScriptedHandler } from '../../test/helpers/scripted-server.js'
import { ApiError } from './api-error.js'
import { buildRunnerInfo } from './runner-info.js'
import { createApiClient, registerRunner, resetRunnerToken, unregisterManager, unregisterRunner, verifyRunner } from './runners-api.js'

const info = buildRunnerInfo({ executor: 'shell', shell: 'bash' })

describe('runners API', () => {
  const closers: Array<() => Promise<void>> = []
  after(async () => {
    for (const close of closers) await close()
  })

  async function serve(handler: ScriptedHandler) {
    const server = await startScriptedServer(handler)
    closers.push(server.close)

    return { server, client: createApiClient({ url: server.url, retryBackoffMinMs: 1 }) }
  }

  it('registers with a registration token, sending tags comma-separated', async () => {
    const { server, client } = await serve((_req, res) => sendJson(res, 201, { id: 4711, token: 'glrt-new', token_expires_at: null }))
    const result = await registerRunner(client, { registrationToken: 'GR1348941abc', tagList: ['linux', 'docker'], description: 'box', info })

    assert.deepEqual(result, { id: 4711, token: 'glrt-new', tokenExpiresAt: null })
    const sent = JSON.parse(server.requests[0]!.body.toString()) as Record<string, unknown>
    assert.equal(server.requests[0]!.url, '/api/v4/runners')
    assert.equal(sent.token, 'GR1348941abc')
    assert.equal(sent.tag_list, 'linux,docker')
    assert.equal(sent.run_untagged, false)
    assert.equal(sent.locked, true)
    assert.equal(sent.paused, false)
    assert.deepEqual(sent.info, info)
  })

  it('explains 403 and 410 on registration', async () => {
    const { client } = await serve((req, res) => sendJson(res, req.body.includes('bad') ? 403 : 410, { message: 'no' }))
    await assert.rejects(registerRunner(client, { registrationToken: 'bad-token', info }), (err: unknown) => {
      assert.ok(err instanceof ApiError)
      assert.equal(err.status, 403)
      assert.match(err.message, /forbidden \(check registration token\)/)
      assert.doesNotMatch(err.message, /bad-token/)

      return true
    })
    await assert.rejects(registerRunner(client, { registrationToken: 'GR1348941x', info }), (err: unknown) => {
      assert.ok(err instanceof ApiError)
      assert.match(err.message, /registration tokens are disabled/)
      assert.match(err.hint ?? '', /glrt-/)

      return true
    })
  })

  it('verifies a token, sending system_id and info', async () => {
    const { server, client } = await serve((_req, res) => sendJson(res, 200, { id: 9, token: 'glrt-abc', token_expires_at: '2026-03-01T10:00:00.000Z' }))
    const result = await verifyRunner(client, { token: 'glrt-abc', systemId: 's_0123456789ab', info })

    assert.deepEqual(result, { id: 9, token: 'glrt-abc', tokenExpiresAt: '2026-03-01T10:00:00.000Z' })
    const sent = JSON.parse(server.requests[0]!.body.toString()) as Record<string, unknown>
    assert.equal(server.requests[0]!.url, '/api/v4/runners/verify')
    assert.equal(sent.system_id, 's_0123456789ab')
    assert.ok(sent.info)
  })

  it('accepts the plain-text 200 of old GitLab on verify', async () => {
    const { client } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('200')
    })
    assert.deepEqual(await verifyRunner(client, { token: 'legacy', info }), { id: 0, token: 'legacy', tokenExpiresAt: null })
  })

  it('fails verify on 403 with a message naming the cause', async () => {
    const { client } = await serve((_req, res) => sendJson(res, 403, { message: '403 Forbidden' }))
    await assert.rejects(verifyRunner(client, { token: 'glrt-gone', info }), /token invalid or runner deleted/)
  })

  it('unregisters a manager with token and system_id; 204 succeeds and 404 fails', async () => {
    const { server, client } = await serve((_req, res, index) => {
      res.statusCode = index === 0 ? 204 : 404
      res.end()
    })
    await unregisterManager(client, { token: 'glrt-abc', systemId: 's_0123456789ab' })
    assert.equal(server.requests[0]!.method, 'DELETE')
    assert.equal(server.requests[0]!.url, '/api/v4/runners/managers')
    assert.deepEqual(JSON.parse(server.requests[0]!.body.toString()), { token: 'glrt-abc', system_id: 's_0123456789ab' })
    await assert.rejects(unregisterManager(client, { token: 'glrt-abc', systemId: 's_0123456789ab' }), /runner manager not found/)
  })

  it('unregisters a legacy runner with DELETE runners and resets a token', async () => {
    const { server, client } = await serve((req, res) => {
      if (req.method === 'DELETE') {
        res.statusCode = 204
        res.end()

        return
      }
      sendJson(res, 201, { token: 'glrt-rotated', token_expires_at: '2030-01-01T00:00:00.000Z' })
    })
    await unregisterRunner(client, { token: 'legacy-token' })
    assert.equal(server.requests[0]!.url, '/api/v4/runners')
    assert.deepEqual(await resetRunnerToken(client, { token: 'glrt-old' }), { token: 'glrt-rotated', tokenExpiresAt: '2030-01-01T00:00:00.000Z' })
    assert.equal(server.requests[1]!.url, '/api/v4/runners/reset_authentication_token')
  })
})
