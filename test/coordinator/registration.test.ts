import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startCoordinator, type Coordinator } from '../../src/coordinator/index.js'
import { call, runnerInfo } from './support.js'

let coordinator: Coordinator

before(async () => {
  coordinator = await startCoordinator()
  coordinator.addRegistrationToken('GR1348941good')
  coordinator.addRegistrationToken('GR1348941gone', { disabled: true })
})
after(() => coordinator.close())

test('legacy registration with a known token returns 201 with id, token and expiry', async () => {
  const answer = await call(coordinator.url, 'POST', '/api/v4/runners', {
    json: { token: 'GR1348941good', description: 'box', tag_list: 'linux, docker', run_untagged: false, locked: true, paused: false, info: runnerInfo() },
  })

  assert.equal(answer.status, 201)
  assert.match(answer.headers['content-type'] ?? '', /^application\/json/)
  const body = answer.json as { id: number; token: string; token_expires_at: null }
  assert.equal(body.token_expires_at, null)
  assert.doesNotMatch(body.token, /^glrt-/)
  const runner = coordinator.runner(body.id)
  assert.deepEqual(runner?.tags, ['linux', 'docker'])
  assert.equal(runner?.runUntagged, false)
  assert.equal(runner?.description, 'box')
})

test('legacy registration answers 403 for an unknown token, 410 when disabled, 400 on invalid fields', async () => {
  const unknown = await call(coordinator.url, 'POST', '/api/v4/runners', { json: { token: 'nope' } })
  const disabled = await call(coordinator.url, 'POST', '/api/v4/runners', { json: { token: 'GR1348941gone' } })
  const invalid = await call(coordinator.url, 'POST', '/api/v4/runners', { json: { token: 'GR1348941good', run_untagged: false } })
  const missing = await call(coordinator.url, 'POST', '/api/v4/runners', { json: {} })

  assert.equal(unknown.status, 403)
  assert.deepEqual(unknown.json, { message: '403 Forbidden' })
  assert.equal(disabled.status, 410)
  assert.equal(invalid.status, 400)
  assert.deepEqual((invalid.json as { message: Record<string, string[]> }).message.tags_list, ['can not be empty when runner is not allowed to pick untagged jobs'])
  assert.equal(missing.status, 400)
})

test('verify answers 200 with id, token and expiry and records the manager with its info', async () => {
  const expires = new Date(Date.now() + 3_600_000).toISOString()
  const runner = coordinator.createRunner({ tokenExpiresAt: expires })
  const answer = await call(coordinator.url, 'POST', '/api/v4/runners/verify', {
    json: { token: runner.token, system_id: 's_0123456789ab', info: runnerInfo({ trace_checksum: true }) },
  })

  assert.equal(answer.status, 200)
  assert.deepEqual(answer.json, { id: runner.id, token: runner.token, token_expires_at: expires })
  const manager = coordinator.runner(runner.id)?.managers.get('s_0123456789ab')
  assert.equal((manager?.info?.features as Record<string, boolean>).trace_checksum, true)
})

test('verify answers 403 for unknown, revoked and expired tokens', async () => {
  const revoked = coordinator.createRunner()
  coordinator.revokeRunnerToken(revoked.token)
  const expired = coordinator.createRunner({ tokenExpiresAt: new Date(Date.now() - 1000).toISOString() })

  for (const token of ['glrt-unknown', revoked.token, expired.token]) {
    const answer = await call(coordinator.url, 'POST', '/api/v4/runners/verify', { json: { token } })
    assert.equal(answer.status, 403, token)
  }
})

test('an old-GitLab coordinator answers verify with the plain-text body 200', async () => {
  const old = await startCoordinator({ verifyPlainText: true })
  try {
    const runner = old.createRunner()
    const answer = await call(old.url, 'POST', '/api/v4/runners/verify', { json: { token: runner.token } })
    assert.equal(answer.status, 200)
    assert.equal(answer.text, '200')
    assert.match(answer.headers['content-type'] ?? '', /^text\/plain/)
  } finally {
    await old.close()
  }
})

test('unregistering a runner answers 204 and its token stops working', async () => {
  const runner = coordinator.createRunner()
  const first = await call(coordinator.url, 'DELETE', '/api/v4/runners', { json: { token: runner.token } })
  const second = await call(coordinator.url, 'DELETE', '/api/v4/runners', { json: { token: runner.token } })

  assert.equal(first.status, 204)
  assert.equal(second.status, 403)
})

test('unregistering a manager answers 204, then 404 for a manager that is gone, 400 without system_id', async () => {
  const runner = coordinator.createRunner()
  await call(coordinator.url, 'POST', '/api/v4/runners/verify', { json: { token: runner.token, system_id: 's_aaaaaaaaaaaa' } })
  const body = { token: runner.token, system_id: 's_aaaaaaaaaaaa' }

  assert.equal((await call(coordinator.url, 'DELETE', '/api/v4/runners/managers', { json: body })).status, 204)
  const again = await call(coordinator.url, 'DELETE', '/api/v4/runners/managers', { json: body })
  assert.equal(again.status, 404)
  assert.deepEqual(again.json, { message: '404 Runner manager not found' })
  assert.equal((await call(coordinator.url, 'DELETE', '/api/v4/runners/managers', { json: { token: runner.token } })).status, 400)
  assert.equal((await call(coordinator.url, 'DELETE', '/api/v4/runners/managers', { json: { token: 'x', system_id: 's' } })).status, 403)
})

test('resetting the token answers 201 with a new token and expiry, and the old token stops working', async () => {
  const runner = coordinator.createRunner({ tokenExpiresAt: new Date(Date.now() + 100_000).toISOString() })
  const answer = await call(coordinator.url, 'POST', '/api/v4/runners/reset_authentication_token', { json: { token: runner.token } })

  assert.equal(answer.status, 201)
  const body = answer.json as { token: string; token_expires_at: string }
  assert.notEqual(body.token, runner.token)
  assert.match(body.token, /^glrt-/)
  assert.ok(Date.parse(body.token_expires_at) > Date.now())
  assert.equal((await call(coordinator.url, 'POST', '/api/v4/runners/verify', { json: { token: runner.token } })).status, 403)
  assert.equal((await call(coordinator.url, 'POST', '/api/v4/runners/verify', { json: { token: body.token } })).status, 200)
})

test('router discovery answers 501 to a valid runner token and 403 otherwise', async () => {
  const runner = coordinator.createRunner()
  const ok = await call(coordinator.url, 'GET', '/api/v4/runners/router/discovery', { headers: { 'runner-token': runner.token } })
  const bad = await call(coordinator.url, 'GET', '/api/v4/runners/router/discovery', { headers: { 'runner-token': 'nope' } })

  assert.equal(ok.status, 501)
  assert.equal(bad.status, 403)
})

test('every request is recorded with its parsed body and the status answered', async () => {
  const before = coordinator.requests.length
  await call(coordinator.url, 'POST', '/api/v4/runners/verify', { json: { token: 'recorded-token' }, headers: { 'X-Custom': 'yes' } })
  const recorded = coordinator.requests.slice(before)

  assert.equal(recorded.length, 1)
  assert.equal(recorded[0]?.endpoint, 'verify')
  assert.equal(recorded[0]?.status, 403)
  assert.deepEqual(recorded[0]?.body, { token: 'recorded-token' })
  assert.equal(recorded[0]?.headers['x-custom'], 'yes')
})

test('runner endpoints answer 400 when the token param is missing', async () => {
  for (const path of ['/api/v4/runners/verify', '/api/v4/jobs/request', '/api/v4/runners/reset_authentication_token']) {
    const answer = await call(coordinator.url, 'POST', path, { json: {} })
    assert.equal(answer.status, 400, path)
    assert.deepEqual(answer.json, { message: '400 Bad Request - token is missing' })
  }
})

test('a personal access token resets a runner token by runner id', async () => {
  coordinator.addPersonalAccessToken('glpat-test-token')
  const runner = coordinator.createRunner()
  const path = `/api/v4/runners/${runner.id}/reset_authentication_token`
  const denied = await call(coordinator.url, 'POST', path, { json: null, headers: { 'private-token': 'glpat-wrong' } })
  const answer = await call(coordinator.url, 'POST', path, { json: null, headers: { 'private-token': 'glpat-test-token' } })

  assert.equal(denied.status, 401)
  assert.equal(answer.status, 201)
  const body = answer.json as { token: string; token_expires_at: null }
  assert.notEqual(body.token, runner.token)
  assert.equal(body.token_expires_at, null)
  assert.equal(coordinator.runner(runner.id)?.token, body.token)
})
