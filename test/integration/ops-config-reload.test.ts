import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../../src/config/load-config.js'
import { startCoordinator, type Coordinator } from '../../src/coordinator/index.js'
import { runBuild } from '../../src/engine/build.js'
import { watchConfig } from '../../src/service/config-watcher.js'
import { makeGitProject } from '../helpers/git-project.js'
import { glrunnerArgs } from '../helpers/glrunner-cli.js'
import { startManager, type Harness } from '../helpers/manager-harness.js'

interface RunnerLine {
  name: string
  token: string
}

function configText(o: { url: string; buildsDir: string; concurrent: number | string; runners: RunnerLine[]; extra?: string }): string {
  const concurrent = typeof o.concurrent === 'number' ? String(o.concurrent) : JSON.stringify(o.concurrent)
  const lines = [`concurrent = ${concurrent}`, 'check_interval = 1', o.extra ?? '', '']
  for (const runner of o.runners) {
    lines.push('[[runners]]', `  name = "${runner.name}"`, `  url = "${o.url}"`, `  token = "${runner.token}"`, '  executor = "shell"', `  builds_dir = "${o.buildsDir}"`, '')
  }

  return lines.join('\n')
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('config reload', () => {
  let coordinator: Coordinator
  let project: { dir: string; remove: () => Promise<void> }
  let dir: string

  before(async () => {
    coordinator = await startCoordinator({ traceUpdateIntervalSeconds: 1, longPollSeconds: 20 })
    project = await makeGitProject()
    coordinator.addProject({ path: 'acme/widgets', repoDir: project.dir })
    dir = await mkdtemp(join(tmpdir(), 'glrunner-ops-reload-'))
  })
  after(async () => {
    await coordinator.close()
    await project.remove()
    await rm(dir, { recursive: true, force: true })
  })

  it('adds a runner, raises concurrent and removes a runner under a running job without stopping it', async () => {
    const a = coordinator.createRunner({ tags: ['a'], runUntagged: false })
    const b = coordinator.createRunner({ tags: ['b'], runUntagged: false })
    const path = join(dir, 'inproc.toml')
    const buildsDir = join(dir, 'builds-inproc')
    await writeFile(path, configText({ url: coordinator.url, buildsDir, concurrent: 1, runners: [{ name: 'a', token: a.token }] }))
    const { config } = await loadConfig(path, { requireRunners: true })
    const harness: Harness = startManager({ url: coordinator.url, runBuild, global: config, runners: config.runners, checkIntervalMs: 200 })
    const watcher = watchConfig({ path, logger: harness.manager['logger'], apply: (next) => harness.manager.reloadConfig(next), debounceMs: 50, sighup: false })
    try {
      // The long job runs until the test releases it, so the order below does not depend on timing.
      const release = join(dir, 'release-long-job')
      const long = coordinator.enqueueJob({ project: 'acme/widgets', tags: ['a'], script: [`while [ ! -f '${release}' ]; do sleep 0.1; done`, 'echo long job done'] })
      await coordinator.waitForJob(long.id, { states: ['running'], timeoutMs: 20_000 })

      // Runner b and concurrent = 3 arrive while a's job runs (a's held request takes a slot too).
      await writeFile(path, configText({ url: coordinator.url, buildsDir, concurrent: 3, runners: [{ name: 'a', token: a.token }, { name: 'b', token: b.token }] }))
      await until(() => harness.manager.config.runners.length === 2, 'the reload adding runner b')
      const quick = coordinator.enqueueJob({ project: 'acme/widgets', tags: ['b'], script: ['echo quick job'] })
      assert.equal((await coordinator.waitForJob(quick.id, { timeoutMs: 20_000 })).state, 'success')
      assert.equal(coordinator.job(long.id)!.state, 'running', 'the first job still runs while the added runner finished one')

      // Runner a goes away while its job still runs: the job finishes, a asks for nothing more.
      await writeFile(path, configText({ url: coordinator.url, buildsDir, concurrent: 3, runners: [{ name: 'b', token: b.token }] }))
      await until(() => harness.manager.config.runners.length === 1, 'the reload removing runner a')
      const removedAt = Date.now()
      assert.equal(coordinator.job(long.id)!.state, 'running')
      await writeFile(release, '')
      const longRecord = await coordinator.waitForJob(long.id, { timeoutMs: 20_000 })
      assert.equal(longRecord.state, 'success')
      assert.match(longRecord.trace.toString(), /long job done/)
      await new Promise((resolve) => setTimeout(resolve, 600))
      const late = coordinator.requests.filter((req) => req.endpoint === 'request' && req.headers['runner-token'] === a.token && req.time > removedAt + 100)
      assert.equal(late.length, 0, 'no job request from the removed runner')
      assert.equal(harness.manager.config.concurrent, 3)
    } finally {
      watcher.close()
      await harness.stop()
    }
  })

  it('keeps the running configuration when the new file is invalid and says which key is wrong', async () => {
    const a = coordinator.createRunner({ tags: ['c'], runUntagged: false })
    const path = join(dir, 'invalid.toml')
    const buildsDir = join(dir, 'builds-invalid')
    await writeFile(path, configText({ url: coordinator.url, buildsDir, concurrent: 3, runners: [{ name: 'c', token: a.token }] }))
    const { config } = await loadConfig(path, { requireRunners: true })
    const harness = startManager({ url: coordinator.url, runBuild, global: config, runners: config.runners })
    const results: boolean[] = []
    const watcher = watchConfig({ path, logger: harness.manager['logger'], apply: (next) => harness.manager.reloadConfig(next), onResult: (ok) => results.push(ok), debounceMs: 50, sighup: false })
    try {
      await writeFile(path, configText({ url: coordinator.url, buildsDir, concurrent: 'two', runners: [] }))
      await until(() => results.length > 0, 'the reload attempt')
      assert.deepEqual(results, [false])
      const line = harness.logs().split('\n').find((entry) => entry.includes('config reload failed, keeping the running configuration'))
      assert.match(line ?? '', /concurrent: expected an integer, got \\"two\\"/)
      assert.equal(harness.manager.config.concurrent, 3)
      const job = coordinator.enqueueJob({ project: 'acme/widgets', tags: ['c'], script: ['echo still working'] })
      assert.equal((await coordinator.waitForJob(job.id, { timeoutMs: 20_000 })).state, 'success')
    } finally {
      watcher.close()
      await harness.stop()
    }
  })

  it('applies an edited config.toml under `glrunner run`, counts reloads in /metrics, and rejects a bad [metrics] table', async () => {
    const a = coordinator.createRunner({ tags: ['d'], runUntagged: false })
    const b = coordinator.createRunner({ tags: ['e'], runUntagged: false })
    const path = join(dir, 'cli.toml')
    const buildsDir = join(dir, 'builds-cli')
    await writeFile(path, configText({ url: coordinator.url, buildsDir, concurrent: 1, runners: [{ name: 'd', token: a.token }] }))
    const child = spawn(process.execPath, glrunnerArgs(['run', '--config', path, '--listen-address', '127.0.0.1:0']), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info' } })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      await until(() => /serving metrics/.test(output), `the metrics endpoint:\n${output}`, 20_000)
      const metricsUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(output)![1]!

      await writeFile(path, configText({ url: coordinator.url, buildsDir, concurrent: 2, runners: [{ name: 'd', token: a.token }, { name: 'e', token: b.token }] }))
      const job = coordinator.enqueueJob({ project: 'acme/widgets', tags: ['e'], script: ['echo via reloaded runner'] })
      assert.equal((await coordinator.waitForJob(job.id, { timeoutMs: 20_000 })).state, 'success', output)
      assert.match(await (await fetch(metricsUrl)).text(), /glrunner_config_reloads_total\{result="success"\} 1/)

      await writeFile(path, configText({ url: coordinator.url, buildsDir, concurrent: 2, runners: [{ name: 'e', token: b.token }], extra: '[metrics]\n  stage_histograms = "yes"' }))
      await until(() => /metrics\.stage_histograms: expected a boolean/.test(output), `the reload error:\n${output}`)
      assert.match(await (await fetch(metricsUrl)).text(), /gitlab_runner_concurrent 2/)
    } finally {
      child.kill('SIGQUIT')
    }
    assert.equal(await exited, 0, output)
    assert.ok(!output.includes(a.token) && !output.includes(b.token), 'no runner token in the log')
  })
})
