import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { engineDouble } from '../helpers/engine-double.js'
import { makePayload, startFakeGitLab, type FakeGitLab } from '../helpers/fake-gitlab.js'
import { RUNNER_TOKEN, startManager, type Harness } from '../helpers/manager-harness.js'

describe('manager job lifecycle against a GitLab-like server', () => {
  let gitlab: FakeGitLab
  let harness: Harness | undefined
  afterEach(async () => {
    await harness?.stop()
    harness = undefined
    await gitlab?.close()
  })

  it('acknowledges a job with PUT running before any trace PATCH, then reports success with checksum and size', async () => {
    gitlab = await startFakeGitLab()
    const job = gitlab.enqueue(makePayload())
    const engine = engineDouble()
    harness = startManager({ url: gitlab.url, runBuild: engine.runBuild })
    await gitlab.waitFor(() => job.state === 'success')

    const jobCalls = gitlab.requests.filter((req) => req.url.startsWith(`/api/v4/jobs/${job.payload.id}`))
    assert.equal(jobCalls[0]!.method, 'PUT')
    assert.equal(job.puts[0]!.state, 'running')
    assert.equal(jobCalls[0]!.headers['job-token'], job.payload.token)
    assert.ok(job.puts[0]!.info)
    const final = job.puts.at(-1)!
    assert.equal(final.state, 'success')
    assert.equal(final.failure_reason, undefined)
    const { crc32 } = await import('node:zlib')
    assert.deepEqual(final.output, { checksum: `crc32:${crc32(job.trace).toString(16).padStart(8, '0')}`, bytesize: job.trace.length })
    assert.match(job.trace.toString(), /Running job \d+\nJob done\n/)
  })

  it('reports a failing script as script_failure with its exit code', async () => {
    gitlab = await startFakeGitLab()
    const job = gitlab.enqueue(makePayload({ variables: [{ key: 'EXIT_CODE', value: '3' }] }))
    harness = startManager({ url: gitlab.url, runBuild: engineDouble().runBuild })
    await gitlab.waitFor(() => job.state === 'failed')
    const final = job.puts.at(-1)!
    assert.equal(final.failure_reason, 'script_failure')
    assert.equal(final.exit_code, 3)
  })

  it('sends last_update from the previous 204 and keeps it when a 204 has no header', async () => {
    gitlab = await startFakeGitLab()
    let calls = 0
    gitlab.requestFault = (_req, res) => {
      calls++
      if (calls === 1) {
        res.writeHead(204, { 'x-gitlab-last-update': 'v7' })
        res.end()

        return true
      }
      if (calls === 2) {
        res.writeHead(204)
        res.end()

        return true
      }

      return false
    }
    harness = startManager({ url: gitlab.url, runBuild: engineDouble().runBuild, checkIntervalMs: 30 })
    await gitlab.waitFor(() => gitlab.jobRequests().length >= 3)
    const bodies = gitlab.jobRequests().map((req) => JSON.parse(req.body.toString()) as { last_update?: string; system_id?: string; token?: string })
    assert.equal(bodies[0]!.last_update, undefined)
    assert.equal(bodies[1]!.last_update, 'v7')
    assert.equal(bodies[2]!.last_update, 'v7')
    assert.equal(bodies[0]!.system_id, 's_0123456789ab')
  })

  it('stays healthy on 409, dropped connections and a text/html 201, and runs the next real job', async () => {
    gitlab = await startFakeGitLab()
    let calls = 0
    gitlab.requestFault = (_req, res) => {
      calls++
      if (calls === 1) {
        res.writeHead(409, { 'content-type': 'application/json' })
        res.end('{"message":"409 Conflict"}')

        return true
      }
      if (calls <= 4) {
        res.socket?.destroy()

        return true
      }
      if (calls === 5) {
        res.writeHead(201, { 'content-type': 'text/html' })
        res.end('<html>')

        return true
      }

      return false
    }
    const job = gitlab.enqueue(makePayload({ unknown_field: { nested: true } } as never))
    harness = startManager({ url: gitlab.url, runBuild: engineDouble().runBuild, checkIntervalMs: 30, runners: [{ unhealthy_requests_limit: 2 }] })
    await gitlab.waitFor(() => job.state === 'success')
    assert.doesNotMatch(harness.logs(), /unhealthy/)
    assert.match(harness.logs(), /request failed/)
  })

  it('pauses an entry after three 403 answers in a row and logs no token', async () => {
    gitlab = await startFakeGitLab()
    gitlab.requestFault = (_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' })
      res.end('{"message":"403 Forbidden"}')

      return true
    }
    harness = startManager({ url: gitlab.url, runBuild: engineDouble().runBuild, checkIntervalMs: 20 })
    await gitlab.waitFor(() => gitlab.jobRequests().length >= 3)
    await new Promise((resolve) => setTimeout(resolve, 150))
    assert.equal(gitlab.jobRequests().length, 3)
    assert.match(harness.logs(), /runner is unhealthy, pausing its job requests/)
    assert.ok(!harness.logs().includes(RUNNER_TOKEN), 'the runner token must never be logged')
    assert.ok(!harness.logs().includes('SuperSecret'), 'not even its secret part')
  })

  it('fails an unsupported executor_opts payload with runner_system_failure and explains it in the trace', async () => {
    gitlab = await startFakeGitLab()
    const job = gitlab.enqueue(makePayload({ image: { name: 'alpine', executor_opts: { docker: { privileged: true } } } }))
    const engine = engineDouble()
    harness = startManager({ url: gitlab.url, runBuild: engine.runBuild })
    await gitlab.waitFor(() => job.state === 'failed')
    assert.equal(job.puts.at(-1)!.failure_reason, 'runner_system_failure')
    assert.match(job.trace.toString(), /unsupported key "privileged"/)
    assert.deepEqual(engine.log.started, [])
    // Acknowledged like any job before its final update: two-phase commit refuses otherwise.
    assert.deepEqual(job.puts.map((put) => put.state), ['running', 'failed'])
  })

  it('fails a payload that does not parse without crashing, and keeps working', async () => {
    gitlab = await startFakeGitLab()
    const bad = gitlab.enqueue({ ...makePayload(), steps: 'not a list' } as never)
    const good = gitlab.enqueue(makePayload())
    harness = startManager({ url: gitlab.url, runBuild: engineDouble().runBuild })
    await gitlab.waitFor(() => good.state === 'success')
    assert.equal(bad.puts.at(-1)!.failure_reason, 'runner_system_failure')
    assert.match(bad.trace.toString(), /invalid job payload: steps/)
  })

  it('finishes a job as canceled without running it when the acknowledgement says canceling', async () => {
    gitlab = await startFakeGitLab()
    const job = gitlab.enqueue(makePayload())
    job.jobStatus = 'canceling'
    const engine = engineDouble()
    harness = startManager({ url: gitlab.url, runBuild: engine.runBuild })
    await gitlab.waitFor(() => job.puts.length >= 2)
    assert.deepEqual(engine.log.started, [])
    assert.equal(job.puts.at(-1)!.state, 'failed')
    assert.equal(job.puts.at(-1)!.failure_reason, 'unknown_failure')
  })

  it('drops a job whose acknowledgement is answered 403, with no further call for it', async () => {
    gitlab = await startFakeGitLab()
    const job = gitlab.enqueue(makePayload())
    gitlab.putFault = (_job, _body, res) => {
      res.writeHead(403)
      res.end()

      return true
    }
    const engine = engineDouble()
    harness = startManager({ url: gitlab.url, runBuild: engine.runBuild })
    await gitlab.waitFor(() => job.puts.length >= 1)
    await new Promise((resolve) => setTimeout(resolve, 150))
    assert.equal(gitlab.requests.filter((req) => req.url.startsWith(`/api/v4/jobs/${job.payload.id}`)).length, 1)
    assert.deepEqual(engine.log.started, [])
  })

  it('aborts the running job on a 403 trace answer and sends one final PUT', async () => {
    gitlab = await startFakeGitLab()
    gitlab.enqueue(makePayload({ variables: [{ key: 'SLEEP_MS', value: '5000' }] }))
    gitlab.patchFault = (_job, _req, res) => {
      res.writeHead(403, { 'job-status': 'canceled' })
      res.end()

      return true
    }
    let putsAfterAbort = 0
    gitlab.putFault = (_job, body, res) => {
      if (body.state === 'running') return false
      putsAfterAbort++
      res.writeHead(403)
      res.end()

      return true
    }
    harness = startManager({ url: gitlab.url, runBuild: engineDouble().runBuild })
    await gitlab.waitFor(() => harness!.outcomes.length === 1, 3000)
    assert.equal(putsAfterAbort, 1)
    assert.equal(harness.outcomes[0]!.state, 'failed')
  })

  it('cancels gracefully on Job-Status canceling from a PATCH and still sends the after_script output', async () => {
    gitlab = await startFakeGitLab()
    const job = gitlab.enqueue(makePayload({ variables: [{ key: 'SLEEP_MS', value: '5000' }] }))
    gitlab.patchFault = (faulty, req, res) => {
      faulty.jobStatus = 'canceling'
      faulty.state = 'canceling'
      const start = Number(String(req.headers['content-range']).split('-')[0])
      if (start === faulty.trace.length) faulty.trace = Buffer.concat([faulty.trace, req.body])
      res.writeHead(202, { range: `0-${faulty.trace.length}`, 'job-status': 'canceling' })
      res.end()

      return true
    }
    harness = startManager({ url: gitlab.url, runBuild: engineDouble().runBuild })
    await gitlab.waitFor(() => job.state === 'canceled', 3000)
    assert.match(job.trace.toString(), /Running after_script\n/)
    assert.equal(job.puts.at(-1)!.state, 'failed')
  })
})
