import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startCoordinator, type Coordinator } from '../../src/coordinator/index.js'
import { makeGitProject } from '../helpers/git-project.js'

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts')

describe('glrunner run with a config file', () => {
  let coordinator: Coordinator
  let project: { dir: string; remove: () => Promise<void> }
  let dir: string

  before(async () => {
    coordinator = await startCoordinator({ traceUpdateIntervalSeconds: 1 })
    project = await makeGitProject()
    coordinator.addProject({ path: 'acme/widgets', repoDir: project.dir })
    dir = await mkdtemp(join(tmpdir(), 'glrunner-run-'))
  })
  after(async () => {
    await coordinator.close()
    await project.remove()
    await rm(dir, { recursive: true, force: true })
  })

  it('runs jobs, writes a rotated token back to config.toml, creates the system id file, and drains on SIGQUIT', async () => {
    const obtained = new Date()
    // Long enough that a slow start (tsx compiling the CLI on a loaded machine) still finds
    // the token valid; rotation then happens at 75 % of it, 9 s in.
    const expires = new Date(obtained.getTime() + 12_000)
    const runner = coordinator.createRunner({ tokenExpiresAt: expires.toISOString() })
    const configPath = join(dir, 'config.toml')
    await writeFile(configPath, [
      'concurrent = 1',
      'check_interval = 1',
      '',
      '[[runners]]',
      '  name = "box"',
      `  url = "${coordinator.url}"`,
      `  token = "${runner.token}"`,
      `  token_obtained_at = ${obtained.toISOString()}`,
      `  token_expires_at = ${expires.toISOString()}`,
      '  executor = "shell"',
      `  builds_dir = "${join(dir, 'builds')}"`,
      '',
    ].join('\n'))
    const job = coordinator.enqueueJob({ project: 'acme/widgets', script: ['echo via run'] })
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      const record = await coordinator.waitForJob(job.id, { timeoutMs: 20_000 })
      assert.equal(record.state, 'success')
      const deadline = Date.now() + 20_000
      let saved = ''
      while (Date.now() < deadline) {
        saved = await readFile(configPath, 'utf8')
        // Rotation repeats while the test waits, so compare with the token GitLab holds right now.
        if (!saved.includes(runner.token) && saved.includes(coordinator.runner(runner.id)!.token)) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      assert.ok(!saved.includes(runner.token), `the old token was replaced in the file:\n${output}`)
      assert.match(saved, /token = "glrt-/)
      assert.match(await readFile(join(dir, '.runner_system_id'), 'utf8'), /^[sr]_[0-9a-zA-Z]{12}$/)
    } finally {
      child.kill('SIGQUIT')
    }
    assert.equal(await exited, 0, output)
    assert.ok(!output.includes(runner.token))
  })
})
