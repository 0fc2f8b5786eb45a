import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startCoordinator, type Coordinator } from '../../src/coordinator/index.js'
import { runBuild } from '../../src/engine/build.js'
import { makeGitProject } from '../helpers/git-project.js'
import { startManager, type Harness } from '../helpers/manager-harness.js'

describe('manager with the real engine against the coordinator', () => {
  let coordinator: Coordinator
  let project: { dir: string; remove: () => Promise<void> }
  let buildsDir: string
  const harnesses: Harness[] = []

  before(async () => {
    coordinator = await startCoordinator({ traceUpdateIntervalSeconds: 1 })
    project = await makeGitProject()
    coordinator.addProject({ path: 'acme/widgets', repoDir: project.dir })
    buildsDir = await mkdtemp(join(tmpdir(), 'glrunner-builds-'))
  })
  after(async () => {
    for (const harness of harnesses) await harness.stop()
    await coordinator.close()
    await project.remove()
    await rm(buildsDir, { recursive: true, force: true })
  })

  function managerFor(token: string, overrides: Parameters<typeof startManager>[0]['runners'] = [{}]): Harness {
    const harness = startManager({ url: coordinator.url, runBuild, runners: overrides.map((o) => ({ token, builds_dir: buildsDir, output_limit: 8192, ...o })) })
    harnesses.push(harness)

    return harness
  }

  it('runs a job and its final update carries a checksum and size matching the stored trace', async () => {
    const runner = coordinator.createRunner()
    const job = coordinator.enqueueJob({ project: 'acme/widgets', script: ['echo hello from job'] })
    const harness = managerFor(runner.token)
    const record = await coordinator.waitForJob(job.id, { timeoutMs: 20_000 })
    assert.equal(record.state, 'success')
    assert.equal(record.checksumMatches, true)
    assert.equal(record.bytesizeMatches, true)
    assert.match(record.trace.toString(), /hello from job/)
    assert.ok(!harness.logs().includes(runner.token), 'the runner token is never logged')
    assert.ok(!harness.logs().includes((job as { token?: string }).token ?? 'glcbt-never'), 'nor the job token')
  })

  it('sends 2.5 MiB of output in contiguous chunks of at most 1 MiB, byte for byte, through 5xx and 416 faults', async () => {
    const runner = coordinator.createRunner()
    const job = coordinator.enqueueJob({ project: 'acme/widgets', script: ['for i in $(seq 1 25); do head -c 104857 /dev/zero | tr "\\0" "a"; echo; done'] })
    coordinator.inject({ endpoint: 'trace', jobId: job.id, times: 3, action: { status: 500 } })
    coordinator.inject({ endpoint: 'trace', jobId: job.id, times: 1, action: { drop: true } })
    managerFor(runner.token)
    const record = await coordinator.waitForJob(job.id, { timeoutMs: 30_000 })
    assert.equal(record.state, 'success')
    assert.equal(record.checksumMatches, true, 'stored trace equals what the runner produced')
    assert.ok(record.traceLength > 2.5 * 1024 * 1024)
    const patches = coordinator.requests.filter((req) => req.endpoint === 'trace' && req.path === `/api/v4/jobs/${job.id}/trace` && req.status === 202)
    let expected = 0
    for (const patch of patches) {
      const [start, end] = patch.headers['content-range']!.split('-').map(Number)
      assert.equal(start, expected, 'ranges are contiguous')
      assert.ok(end! - start! + 1 <= 1024 * 1024)
      expected = end! + 1
    }
    assert.equal(expected, record.traceLength)
  })

  it('resends from the server offset after a 416 from a server that lost part of the trace', async () => {
    const runner = coordinator.createRunner()
    const job = coordinator.enqueueJob({ project: 'acme/widgets', script: ['echo one', 'sleep 0.3', 'echo two', 'sleep 0.3', 'echo three'] })
    managerFor(runner.token)
    await coordinator.waitForJob(job.id, { states: ['running'], timeoutMs: 20_000 })
    await new Promise((resolve) => setTimeout(resolve, 200))
    coordinator.inject({ endpoint: 'trace', jobId: job.id, action: { status: 416, truncateTraceTo: 10, headers: { range: '0-10' } } })
    const record = await coordinator.waitForJob(job.id, { timeoutMs: 20_000 })
    assert.equal(record.checksumMatches, true)
    const after416 = coordinator.requests.filter((req) => req.endpoint === 'trace' && req.path === `/api/v4/jobs/${job.id}/trace`)
    const index = after416.findIndex((req) => req.status === 416)
    assert.ok(index >= 0, 'a 416 was answered')
    assert.equal(after416[index + 1]!.headers['content-range']!.split('-')[0], '10')
  })

  it('rotates the token at 75 % of its lifetime, reports it, and asks for jobs with the new one', async () => {
    const expiresAt = new Date(Date.now() + 1600).toISOString()
    const runner = coordinator.createRunner({ tokenExpiresAt: expiresAt })
    const rotated: string[] = []
    const harness = startManager({
      url: coordinator.url,
      runBuild,
      runners: [{ token: runner.token, token_obtained_at: new Date().toISOString(), token_expires_at: expiresAt, builds_dir: buildsDir }],
      manager: { onTokenRotated: (_name, token) => void rotated.push(token) },
    })
    harnesses.push(harness)
    const deadline = Date.now() + 5000
    while (rotated.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(rotated.length >= 1, true, 'the token was rotated')
    assert.ok(Date.now() - Date.parse(expiresAt) < 0, 'before the old token expired')
    const newToken = rotated[0]!
    assert.notEqual(newToken, runner.token)
    const job = coordinator.enqueueJob({ project: 'acme/widgets', script: ['true'] })
    const record = await coordinator.waitForJob(job.id, { timeoutMs: 20_000 })
    assert.equal(record.state, 'success')
    const lastRequest = coordinator.requests.filter((req) => req.endpoint === 'request').at(-1)!
    assert.equal(lastRequest.headers['runner-token'] !== runner.token, true)
    assert.ok(!harness.logs().includes(newToken), 'the new token is not logged')
  })
})

describe('jobs whose runner goes quiet, against a coordinator with short reaper timeouts', () => {
  let coordinator: Coordinator
  let project: { dir: string; remove: () => Promise<void> }
  let buildsDir: string
  let harness: Harness

  before(async () => {
    coordinator = await startCoordinator({ traceUpdateIntervalSeconds: 1, ackTimeoutMs: 500, staleJobTimeoutMs: 1500 })
    project = await makeGitProject()
    coordinator.addProject({ path: 'acme/widgets', repoDir: project.dir })
    buildsDir = await mkdtemp(join(tmpdir(), 'glrunner-builds-'))
    harness = startManager({
      url: coordinator.url,
      runBuild,
      runners: [{ token: coordinator.createRunner().token, builds_dir: buildsDir }],
      // Keep-alive PUTs every 300 ms: well inside the 1.5 s the coordinator waits.
      manager: { timing: { checkIntervalMs: 100, retryBackoffMinMs: 2, trace: { updateIntervalMs: 20, forceSendIntervalMs: 300, intervalUnitMs: 10, finalBackoffMinMs: 5 } } },
    })
  })
  after(async () => {
    await harness.stop()
    await coordinator.close()
    await project.remove()
    await rm(buildsDir, { recursive: true, force: true })
  })

  it('a quiet job longer than the stale timeout succeeds: the runner\'s keep-alives count as contact', async () => {
    const job = coordinator.enqueueJob({ project: 'acme/widgets', script: ['sleep 2.5'] })
    const record = await coordinator.waitForJob(job.id, { timeoutMs: 20_000 })
    assert.equal(record.state, 'success', `failure reason: ${record.failureReason}`)
    assert.ok(record.finishedAt! - record.runningSince! >= 2_500)
  })

  it('a job whose runner never gets through after the pick fails with runner_provisioning_timeout, and the next job runs', async () => {
    const lost = coordinator.enqueueJob({ project: 'acme/widgets', script: ['true'] })
    // To the server, a runner whose every update and trace is lost is a runner that died.
    coordinator.inject({ endpoint: 'update', jobId: lost.id, times: 1000, action: { drop: true } })
    coordinator.inject({ endpoint: 'trace', jobId: lost.id, times: 1000, action: { drop: true } })
    const record = await coordinator.waitForJob(lost.id, { timeoutMs: 20_000 })
    assert.equal(record.state, 'failed')
    assert.equal(record.failureReason, 'runner_provisioning_timeout')
    assert.equal(record.awaitingAck, false)

    const next = coordinator.enqueueJob({ project: 'acme/widgets', script: ['echo next'] })
    assert.equal((await coordinator.waitForJob(next.id, { timeoutMs: 20_000 })).state, 'success')
  })
})
