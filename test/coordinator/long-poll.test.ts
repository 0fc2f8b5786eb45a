import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { call, fixture, type Fixture } from './support.js'

let f: Fixture

before(async () => {
  f = await fixture({ longPollSeconds: 0.4 })
})
after(() => f.close())

async function lastUpdateOf(token: string): Promise<string> {
  const first = await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token } })
  assert.equal(first.status, 204)

  return first.headers['x-gitlab-last-update'] ?? ''
}

test('the first request of a runner is never held and says long polling is on', async () => {
  const runner = f.coordinator.createRunner({ tags: ['lp1'], runUntagged: false })
  const started = Date.now()
  const answer = await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: runner.token } })

  assert.equal(answer.status, 204)
  assert.equal(answer.headers['gitlab-ci-builds-polling'], 'yes')
  assert.ok(answer.headers['x-gitlab-last-update'])
  assert.ok(Date.now() - started < 300, 'answered without holding')
})

test('a request with the current last_update is held, then answered 204 without X-GitLab-Last-Update', async () => {
  const runner = f.coordinator.createRunner({ tags: ['lp2'], runUntagged: false })
  const version = await lastUpdateOf(runner.token)
  const started = Date.now()
  const answer = await call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: runner.token, last_update: version } })

  assert.equal(answer.status, 204)
  assert.equal(answer.headers['x-gitlab-last-update'], undefined)
  assert.ok(Date.now() - started >= 350, `held for ${Date.now() - started} ms`)
})

test('a held request wakes with 204 when a job is enqueued for that runner, and the next request gets it', async () => {
  const g = await fixture({ longPollSeconds: 5 })
  try {
    const runner = g.coordinator.createRunner({ tags: ['lp3'], runUntagged: false })
    g.coordinator.createRunner({ tags: ['elsewhere'], runUntagged: false })
    const first = await call(g.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: runner.token } })
    const version = first.headers['x-gitlab-last-update']
    const started = Date.now()
    let settled = false
    const pending = call(g.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: runner.token, last_update: version } })
    void pending.finally(() => (settled = true))
    await sleep(100)
    g.coordinator.enqueueJob({ project: g.projectId, tags: ['elsewhere'], script: ['true'] })
    await sleep(150)
    assert.equal(settled, false, 'a job for another runner does not wake this one')
    const job = g.coordinator.enqueueJob({ project: g.projectId, tags: ['lp3'], script: ['true'] })
    const woken = await pending

    assert.equal(woken.status, 204)
    assert.equal(woken.headers['x-gitlab-last-update'], undefined)
    assert.ok(Date.now() - started < 2000, 'woken early, not at the end of the hold')
    const next = await call(g.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: runner.token, last_update: version } })
    assert.equal(next.status, 201)
    assert.equal((next.json as { id: number }).id, job.id)
  } finally {
    await g.close()
  }
})

test('close ends a held request at once', async () => {
  const g = await fixture({ longPollSeconds: 5 })
  try {
    const first = await call(g.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: g.runner.token } })
    const version = first.headers['x-gitlab-last-update']
    const started = Date.now()
    const pending = call(g.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: g.runner.token, last_update: version } }).then(
      (answer) => answer.status,
      () => 'connection closed',
    )
    await sleep(100)
    await g.coordinator.close()
    const outcome = await pending

    assert.ok(outcome === 204 || outcome === 'connection closed', String(outcome))
    assert.ok(Date.now() - started < 2000)
  } finally {
    await g.close()
  }
})

test('held job requests are counted in flight, with the most seen at once', async () => {
  const runner = f.coordinator.createRunner({ tags: ['lp5'], runUntagged: false })
  const version = await lastUpdateOf(runner.token)
  const held = [1, 2].map(() => call(f.coordinator.url, 'POST', '/api/v4/jobs/request', { json: { token: runner.token, last_update: version } }))
  await sleep(100)

  assert.equal(f.coordinator.inFlight('request').now, 2)
  await Promise.all(held)
  assert.equal(f.coordinator.inFlight('request').now, 0)
  assert.ok(f.coordinator.inFlight('request').max >= 2)
})
