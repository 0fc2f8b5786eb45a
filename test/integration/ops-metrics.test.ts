import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startCoordinator, type Coordinator } from '../../src/coordinator/index.js'
import { shortToken } from '../../src/core/tokens.js'
import { runBuild } from '../../src/engine/build.js'
import { parseListenAddress, startMetricsServer, type MetricsServer } from '../../src/metrics/metrics-server.js'
import { RunnerMetrics } from '../../src/metrics/runner-metrics.js'
import { makeGitProject } from '../helpers/git-project.js'
import { startManager, type Harness } from '../helpers/manager-harness.js'

const TOKEN = 'scrape-secret-123'

async function scrape(server: MetricsServer, path = '/metrics', token: string | null = TOKEN): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} })

  return { status: res.status, text: await res.text() }
}

/** The value of the first sample whose line starts with `prefix` and contains every label. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue

    return Number(line.slice(line.lastIndexOf(' ') + 1))
  }

  return undefined
}

function apiLines(text: string): string {
  return text.split('\n').filter((line) => line.startsWith('gitlab_runner_api_request_statuses_total')).join('\n')
}

describe('metrics and health while jobs run', () => {
  let coordinator: Coordinator
  let project: { dir: string; remove: () => Promise<void> }
  let buildsDir: string
  let harness: Harness
  let server: MetricsServer
  let runnerToken: string

  before(async () => {
    coordinator = await startCoordinator({ traceUpdateIntervalSeconds: 1 })
    project = await makeGitProject()
    coordinator.addProject({ path: 'acme/widgets', repoDir: project.dir })
    buildsDir = await mkdtemp(join(tmpdir(), 'glrunner-ops-metrics-'))
    runnerToken = coordinator.createRunner().token
    const metrics = new RunnerMetrics({ systemId: 's_0123456789ab', config: () => harness.manager.config })
    harness = startManager({
      url: coordinator.url,
      runBuild,
      runners: [{ token: runnerToken, builds_dir: buildsDir, limit: 3 }],
      global: { concurrent: 2 },
      manager: { observer: metrics.observer() },
    })
    server = await startMetricsServer({ listenAddress: '127.0.0.1:0', registry: metrics.registry, token: TOKEN, health: () => ({ healthy: true, details: { jobs: harness.manager.activeJobs } }) })
  })
  after(async () => {
    await harness.stop()
    await server.close()
    await coordinator.close()
    await project.remove()
    await rm(buildsDir, { recursive: true, force: true })
  })

  it('shows the running job in its stage, then counts it with its duration and stage timings', async () => {
    const job = coordinator.enqueueJob({ project: 'acme/widgets', script: ['sleep 2', 'echo done'] })
    await coordinator.waitForJob(job.id, { states: ['running'], timeoutMs: 20_000 })
    const runner = shortToken(runnerToken).slice(0, 8)
    let during = ''
    for (let i = 0; i < 100; i++) {
      during = (await scrape(server)).text
      if (sample(during, 'gitlab_runner_jobs', { stage: 'step_script' }) === 1) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.equal(sample(during, 'gitlab_runner_jobs', { runner, state: 'running', stage: 'step_script', executor: 'shell' }), 1, during.split('\n').filter((line) => line.startsWith('gitlab_runner_jobs')).join('\n'))
    assert.equal(sample(during, 'gitlab_runner_concurrent'), 2)
    assert.equal(sample(during, 'gitlab_runner_limit', { runner }), 3)
    // The job's acknowledgement (PUT state=running) is counted while the job still runs.
    assert.ok(sample(during, 'gitlab_runner_api_request_statuses_total', { runner, endpoint: 'update_job', status: '200' })! >= 1, apiLines(during))

    assert.equal((await coordinator.waitForJob(job.id, { timeoutMs: 20_000 })).state, 'success')
    let done = ''
    for (let i = 0; i < 50; i++) {
      done = (await scrape(server)).text
      if (sample(done, 'gitlab_runner_job_duration_seconds_count') === 1) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.equal(sample(done, 'gitlab_runner_jobs', { stage: 'step_script' }), 0)
    assert.equal(sample(done, 'gitlab_runner_jobs_total', { runner }), 1)
    assert.equal(sample(done, 'gitlab_runner_job_duration_seconds_count', { runner }), 1)
    assert.ok(sample(done, 'gitlab_runner_job_duration_seconds_sum')! >= 2, done)
    assert.equal(sample(done, 'glrunner_job_stage_duration_seconds_count', { stage: 'get_sources', executor: 'shell' }), 1)
    assert.ok(sample(done, 'glrunner_job_stage_duration_seconds_sum', { stage: 'step_script' })! >= 2)
    assert.ok(sample(done, 'gitlab_runner_api_request_statuses_total', { runner, endpoint: 'request_job', status: '201' })! >= 1, apiLines(done))
    assert.ok(sample(done, 'gitlab_runner_api_request_statuses_total', { runner, endpoint: 'patch_trace', status: '202' })! >= 1, apiLines(done))
    // Acknowledgement plus the final update.
    assert.ok(sample(done, 'gitlab_runner_api_request_statuses_total', { runner, endpoint: 'update_job', status: '200' })! >= 2, apiLines(done))
    assert.match(done, /gitlab_runner_version_info\{name="glrunner",version="[^"]+"/)
    assert.match(done, /^process_cpu_user_seconds_total /m)
  })

  it('counts a failed job by its failure reason', async () => {
    const job = coordinator.enqueueJob({ project: 'acme/widgets', script: ['exit 3'] })
    assert.equal((await coordinator.waitForJob(job.id, { timeoutMs: 20_000 })).state, 'failed')
    let text = ''
    for (let i = 0; i < 50; i++) {
      text = (await scrape(server)).text
      if (sample(text, 'gitlab_runner_failed_jobs_total') === 1) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.equal(sample(text, 'gitlab_runner_failed_jobs_total', { failure_reason: 'script_failure' }), 1, text)
  })

  it('requires the bearer token for /metrics and /health, and /health reports liveness', async () => {
    assert.equal((await scrape(server, '/metrics', null)).status, 401)
    assert.equal((await scrape(server, '/metrics', 'wrong-token-xx')).status, 401)
    const health = await scrape(server, '/health')
    assert.equal(health.status, 200)
    assert.equal(JSON.parse(health.text).status, 'ok')
    assert.equal((await scrape(server, '/other')).status, 404)
  })

  it('parses listen addresses the way the official runner writes them', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:9252'), { host: '127.0.0.1', port: 9252 })
    assert.deepEqual(parseListenAddress(':9252'), { host: undefined, port: 9252 })
    assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 })
    assert.throws(() => parseListenAddress('9252'), /listening on "9252": expected host:port/)
  })
})
