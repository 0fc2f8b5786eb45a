import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startCoordinator, type Coordinator } from '../../src/coordinator/index.js'
import { makeGitProject } from '../helpers/git-project.js'

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts')

interface Run {
  child: ChildProcess
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; elapsedMs: number; output: string }>
}

function runSingle(coordinatorUrl: string, token: string, buildsDir: string, extra: string[] = []): Run {
  const started = Date.now()
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run-single', '--url', coordinatorUrl, '--token', token, '--executor', 'shell', '--builds-dir', buildsDir, '--check-interval', '0.2', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'debug' },
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; elapsedMs: number; output: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, elapsedMs: Date.now() - started, output }))
  })

  return { child, exit }
}

describe('glrunner run-single as a process', () => {
  let coordinator: Coordinator
  let project: { dir: string; remove: () => Promise<void> }
  let buildsDir: string
  const children: ChildProcess[] = []

  before(async () => {
    coordinator = await startCoordinator({ longPollSeconds: 30, traceUpdateIntervalSeconds: 1 })
    project = await makeGitProject()
    coordinator.addProject({ path: 'acme/widgets', repoDir: project.dir })
    buildsDir = await mkdtemp(join(tmpdir(), 'glrunner-cli-builds-'))
  })
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
    await coordinator.close()
    await project.remove()
    await rm(buildsDir, { recursive: true, force: true })
  })

  it('runs one job and exits 0 after --max-builds 1, never logging the token', async () => {
    const runner = coordinator.createRunner()
    const job = coordinator.enqueueJob({ project: 'acme/widgets', script: ['echo from the cli'] })
    const run = runSingle(coordinator.url, runner.token, buildsDir, ['--max-builds', '1'])
    children.push(run.child)
    const result = await run.exit
    assert.equal(result.code, 0, result.output)
    assert.equal(coordinator.job(job.id)!.state, 'success')
    assert.ok(!result.output.includes(runner.token), 'the runner token is never logged')
  })

  it('on SIGQUIT stops asking, lets the running job finish, sends its final update and exits 0', async () => {
    const runner = coordinator.createRunner()
    const job = coordinator.enqueueJob({ project: 'acme/widgets', script: ['sleep 1.5', 'echo finished'] })
    const run = runSingle(coordinator.url, runner.token, buildsDir)
    children.push(run.child)
    await coordinator.waitForJob(job.id, { states: ['running'], timeoutMs: 20_000 })
    run.child.kill('SIGQUIT')
    const signalledAt = Date.now()
    const result = await run.exit
    assert.equal(result.code, 0, result.output)
    const record = coordinator.job(job.id)!
    assert.equal(record.state, 'success')
    assert.match(record.trace.toString(), /finished/)
    const lateRequests = coordinator.requests.filter((req) => req.endpoint === 'request' && req.headers['runner-token'] === runner.token && req.time > signalledAt + 100)
    assert.equal(lateRequests.length, 0, 'no job request after SIGQUIT')
  })

  it('on SIGTERM aborts the running job, reports it failed and exits within the shutdown timeout', async () => {
    const runner = coordinator.createRunner()
    const job = coordinator.enqueueJob({ project: 'acme/widgets', script: ['echo started', 'sleep 60'] })
    const run = runSingle(coordinator.url, runner.token, buildsDir, ['--shutdown-timeout', '10'])
    children.push(run.child)
    await coordinator.waitForJob(job.id, { states: ['running'], timeoutMs: 20_000 })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const signalledAt = Date.now()
    run.child.kill('SIGTERM')
    await run.exit
    assert.ok(Date.now() - signalledAt < 10_000)
    const record = coordinator.job(job.id)!
    assert.equal(record.state, 'failed')
    assert.equal(record.failureReason, 'unknown_failure', 'runner_interrupted mapped onto the server list')
    assert.equal(record.checksumMatches, true, 'the trace was flushed before the final update')
  })

  it('on SIGQUIT during a held long poll exits at once', async () => {
    const runner = coordinator.createRunner()
    const run = runSingle(coordinator.url, runner.token, buildsDir)
    children.push(run.child)
    const deadline = Date.now() + 20_000
    // The first request is answered at once (no last_update); the second one is held.
    while (coordinator.requests.filter((req) => req.endpoint === 'request' && req.headers['runner-token'] === runner.token).length < 2) {
      if (Date.now() > deadline) throw new Error('the runner never asked twice')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
    const signalledAt = Date.now()
    run.child.kill('SIGQUIT')
    const result = await run.exit
    assert.equal(result.code, 0, result.output)
    assert.ok(Date.now() - signalledAt < 3000, `exited ${Date.now() - signalledAt} ms after SIGQUIT`)
  })
})
