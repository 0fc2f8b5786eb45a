import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { engineDouble } from '../helpers/engine-double.js'
import { makePayload, startFakeGitLab, type FakeGitLab } from '../helpers/fake-gitlab.js'
import { startManager, type Harness } from '../helpers/manager-harness.js'

const sleepVar = (ms: number) => [{ key: 'SLEEP_MS', value: String(ms) }]

describe('manager scheduling', () => {
  let gitlab: FakeGitLab
  let harness: Harness | undefined
  afterEach(async () => {
    await harness?.stop()
    harness = undefined
    await gitlab?.close()
  })

  it('runs at most `concurrent` jobs at once', async () => {
    gitlab = await startFakeGitLab()
    const jobs = Array.from({ length: 5 }, () => gitlab.enqueue(makePayload({ variables: sleepVar(80) })))
    const engine = engineDouble()
    harness = startManager({ url: gitlab.url, runBuild: engine.runBuild, global: { concurrent: 2 }, checkIntervalMs: 20 })
    await gitlab.waitFor(() => jobs.every((job) => job.state === 'success'), 5000)
    assert.equal(engine.log.maxRunning, 2)
  })

  it('says once why an entry with an unusable URL or TLS file takes no jobs, and the other entry works on', async () => {
    gitlab = await startFakeGitLab()
    const job = gitlab.enqueue(makePayload())
    const engine = engineDouble()
    harness = startManager({
      url: gitlab.url,
      runBuild: engine.runBuild,
      global: { concurrent: 2 },
      runners: [{ url: '' }, { 'tls-ca-file': '/nonexistent/ca.pem' }, {}],
      checkIntervalMs: 20,
    })
    await gitlab.waitFor(() => job.state === 'success')
    await new Promise((resolve) => setTimeout(resolve, 150))

    const errors = harness.logs().split('\n').filter((line) => line.includes('its GitLab URL or TLS files cannot be used; fix config.toml'))
    assert.equal(errors.length, 2, harness.logs())
    assert.match(errors.join('\n'), /ENOENT/)
    assert.doesNotMatch(harness.logs(), /unhealthy/, 'an unusable entry is not polled into an unhealthy pause')
  })

  it('never runs more than `limit` jobs for an entry and sends no request while its job runs', async () => {
    gitlab = await startFakeGitLab()
    const first = gitlab.enqueue(makePayload({ variables: sleepVar(200) }))
    const engine = engineDouble()
    harness = startManager({ url: gitlab.url, runBuild: engine.runBuild, global: { concurrent: 4 }, runners: [{ limit: 1 }], checkIntervalMs: 20 })
    await gitlab.waitFor(() => first.state === 'running')
    const before = gitlab.jobRequests().length
    await new Promise((resolve) => setTimeout(resolve, 120))
    assert.equal(gitlab.jobRequests().length, before, 'no job request while the only slot is busy')
    assert.match(harness.logs(), /limit of 1 reached/)
    await gitlab.waitFor(() => first.state === 'success')
    assert.equal(engine.log.maxRunning, 1)
  })

  it('keeps at most request_concurrency job requests in flight, bounded by limit', async () => {
    gitlab = await startFakeGitLab()
    gitlab.holdMs = 300
    gitlab.requestFault = (req, res) => {
      // The first answer carries a version so later requests are held (long polling).
      if (gitlab.jobRequests().indexOf(req) > 0) return false
      res.writeHead(204, { 'x-gitlab-last-update': 'v1' })
      res.end()

      return true
    }
    harness = startManager({ url: gitlab.url, runBuild: engineDouble().runBuild, global: { concurrent: 10 }, runners: [{ request_concurrency: 3, limit: 2 }], checkIntervalMs: 10 })
    await new Promise((resolve) => setTimeout(resolve, 250))
    assert.equal(gitlab.inflight.max, 2)
    await harness.stop()
    harness = undefined

    await gitlab.close()
    gitlab = await startFakeGitLab()
    gitlab.holdMs = 300
    gitlab.requestFault = (req, res) => {
      if (gitlab.jobRequests().indexOf(req) > 0) return false
      res.writeHead(204, { 'x-gitlab-last-update': 'v1' })
      res.end()

      return true
    }
    harness = startManager({ url: gitlab.url, runBuild: engineDouble().runBuild, global: { concurrent: 10 }, runners: [{ request_concurrency: 3 }], checkIntervalMs: 10 })
    await new Promise((resolve) => setTimeout(resolve, 250))
    assert.equal(gitlab.inflight.max, 3)
  })

  it('asks again at once after receiving a job instead of waiting for the next tick', async () => {
    gitlab = await startFakeGitLab()
    const first = gitlab.enqueue(makePayload({ variables: sleepVar(300) }))
    const second = gitlab.enqueue(makePayload({ variables: sleepVar(300) }))
    harness = startManager({ url: gitlab.url, runBuild: engineDouble().runBuild, global: { concurrent: 2 }, checkIntervalMs: 5000 })
    await gitlab.waitFor(() => second.state === 'running', 1000)
    assert.equal(first.state, 'running')
    const [a, b] = gitlab.jobRequests()
    assert.ok(b!.at - a!.at < 200, `second request ${b!.at - a!.at} ms after the first`)
  })

  it('offers each of two entries about once per check_interval while idle', async () => {
    gitlab = await startFakeGitLab()
    harness = startManager({
      url: gitlab.url,
      runBuild: engineDouble().runBuild,
      global: { concurrent: 2 },
      runners: [{ token: 'glrt-first-entry' }, { token: 'glrt-second-entry' }],
      checkIntervalMs: 100,
    })
    const tokens = ['glrt-first-entry', 'glrt-second-entry']
    const perEntry = (token: string) => gitlab.jobRequests().filter((req) => req.headers['runner-token'] === token).map((req) => req.at)
    // Counted from each entry's own requests rather than in a fixed window after the start,
    // which a loaded machine can spend on start-up alone. Times are arrival times at the
    // server: the first request also pays for the connection, so the rate is taken from the
    // second on, and as an average, which one late arrival cannot push below the bound.
    await gitlab.waitFor(() => tokens.every((token) => perEntry(token).length >= 7), 5000)
    for (const token of tokens) {
      const times = perEntry(token).slice(1, 7)
      const averageGap = (times.at(-1)! - times[0]!) / (times.length - 1)
      assert.ok(averageGap >= 75, `${token}: one request every ${averageGap} ms on average, arrivals ${times.join(',')}`)
    }
  })

  it('wakes from a held long poll when a job is enqueued and picks it up within one check_interval', async () => {
    gitlab = await startFakeGitLab()
    gitlab.holdMs = 5000
    harness = startManager({ url: gitlab.url, runBuild: engineDouble().runBuild, checkIntervalMs: 200 })
    await gitlab.waitFor(() => gitlab.inflight.now === 1 && gitlab.jobRequests().length >= 2)
    const enqueuedAt = Date.now()
    const job = gitlab.enqueue(makePayload())
    await gitlab.waitFor(() => job.state !== 'queued', 1000)
    assert.ok(Date.now() - enqueuedAt < 400)
    assert.doesNotMatch(harness.logs(), /unhealthy/)
  })

  it('drains on a graceful stop: held requests end at once, the running job finishes and reports', async () => {
    gitlab = await startFakeGitLab()
    gitlab.holdMs = 10_000
    const job = gitlab.enqueue(makePayload({ variables: sleepVar(300) }))
    harness = startManager({ url: gitlab.url, runBuild: engineDouble().runBuild, global: { concurrent: 2 }, checkIntervalMs: 50 })
    await gitlab.waitFor(() => job.state === 'running' && gitlab.inflight.now === 1)
    const stoppedAt = Date.now()
    harness.manager.stopGracefully()
    const requestsAtStop = gitlab.jobRequests().length
    await harness.manager.done
    assert.equal(job.state, 'success')
    assert.equal(gitlab.jobRequests().length, requestsAtStop, 'no new job request after the stop')
    assert.ok(Date.now() - stoppedAt < 2000, 'the held request did not delay the exit')
  })

  it('aborts running jobs on a forceful stop and reports them failed as interrupted', async () => {
    gitlab = await startFakeGitLab()
    const job = gitlab.enqueue(makePayload({ variables: sleepVar(10_000) }))
    harness = startManager({ url: gitlab.url, runBuild: engineDouble().runBuild })
    await gitlab.waitFor(() => job.state === 'running')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const stoppedAt = Date.now()
    harness.manager.stopForcefully('SIGTERM')
    await harness.manager.done
    assert.ok(Date.now() - stoppedAt < 2000)
    assert.equal(job.puts.at(-1)!.state, 'failed')
    assert.equal(job.puts.at(-1)!.failure_reason, 'unknown_failure')
    assert.match(job.trace.toString(), /Running job/)
  })
})
