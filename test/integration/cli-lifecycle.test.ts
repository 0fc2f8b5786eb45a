/**
 * `glrunner verify`, `unregister` and `list` end to end: the real CLI process against the
 * real coordinator on 127.0.0.1, with config.toml files written by saveConfig.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../../src/config/load-config.js'
import { defaultGlobalConfig, defaultRunnerConfig, type RunnerConfig } from '../../src/config/runner-config.js'
import { saveConfig } from '../../src/config/save-config.js'
import { startCoordinator, type Coordinator } from '../../src/coordinator/index.js'
import { tokenForLog } from '../../src/core/tokens.js'

const ROOT = new URL('../..', import.meta.url).pathname

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

function runCli(args: string[]): Promise<CliResult> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' }

  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
}

function assertNoFullToken(result: CliResult, tokens: string[]): void {
  for (const token of tokens) {
    assert.equal(result.stdout.includes(token), false, `stdout shows a whole token: ${result.stdout}`)
    assert.equal(result.stderr.includes(token), false, `stderr shows a whole token: ${result.stderr}`)
  }
}

describe('runner lifecycle commands', () => {
  let coordinator: Coordinator
  let dir: string
  let counter = 0
  before(async () => {
    coordinator = await startCoordinator()
    dir = await mkdtemp(join(tmpdir(), 'glr-cli-lifecycle-'))
  })
  after(async () => {
    await coordinator.close()
    await rm(dir, { recursive: true, force: true })
  })

  /** A config file with one entry per runner created in the coordinator. */
  async function configWith(runners: { name: string; token?: string; executor?: string }[]): Promise<{ path: string; entries: RunnerConfig[] }> {
    const path = join(dir, `case-${++counter}`, 'config.toml')
    const entries = runners.map((runner) => {
      const created = coordinator.createRunner(runner.token ? { token: runner.token } : {})

      return defaultRunnerConfig({ name: runner.name, url: coordinator.url, id: created.id, token: created.token, executor: runner.executor ?? 'shell' })
    })
    await saveConfig(path, defaultGlobalConfig({ runners: entries }))

    return { path, entries }
  }

  it('verify reports each runner as valid or not valid, sends the system id, and exits 1 while an invalid one stays', async () => {
    const { path, entries } = await configWith([{ name: 'good' }, { name: 'gone' }])
    const [good, gone] = entries as [RunnerConfig, RunnerConfig]
    coordinator.revokeRunnerToken(gone.token)
    const before = coordinator.requests.length

    const result = await runCli(['verify', '-c', path])
    assert.equal(result.code, 1)
    assert.match(result.stdout, new RegExp(`^Verifying runner\\.\\.\\. is valid {2}name="good" runner=${tokenForLog(good.token)}$`, 'm'))
    assert.match(result.stdout, new RegExp(`^Verifying runner\\.\\.\\. is not valid {2}name="gone" runner=${tokenForLog(gone.token)}$`, 'm'))
    assert.match(result.stderr, /^ERROR: 1 of 2 runners not valid$/m)
    assertNoFullToken(result, [good.token, gone.token])

    const systemId = (await readFile(join(path, '..', '.runner_system_id'), 'utf8')).trim()
    const verifies = coordinator.requests.slice(before).filter((request) => request.endpoint === 'verify')
    assert.deepEqual(verifies.map((request) => (request.body as { system_id?: string }).system_id), [systemId, systemId])
    assert.equal((await loadConfig(path)).config.runners.length, 2, 'nothing removed without --delete')
  })

  it('verify --delete removes only the runners GitLab no longer knows', async () => {
    const { path, entries } = await configWith([{ name: 'keep' }, { name: 'drop' }])
    coordinator.revokeRunnerToken(entries[1]?.token ?? '')

    const result = await runCli(['verify', '--delete', '-c', path])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^Removed runner from .* {2}name="drop"/m)
    const { config } = await loadConfig(path)
    assert.deepEqual(config.runners.map((runner) => runner.name), ['keep'])
  })

  it('verify --name checks only that runner', async () => {
    const { path } = await configWith([{ name: 'one' }, { name: 'two' }])
    const result = await runCli(['verify', '--name', 'two', '-c', path])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(result.stdout.trim().split('\n').map((line) => line.replace(/ runner=.*/, '')), ['Verifying runner... is valid  name="two"'])
  })

  it('unregister of a glrt- runner deletes only its runner manager, then removes the entry', async () => {
    const { path, entries } = await configWith([{ name: 'auth' }, { name: 'other' }])
    const auth = entries[0] as RunnerConfig
    const before = coordinator.requests.length
    assert.equal((await runCli(['verify', '--name', 'auth', '-c', path])).code, 0)
    const systemId = (await readFile(join(path, '..', '.runner_system_id'), 'utf8')).trim()
    assert.ok(coordinator.runner(auth.token)?.managers.has(systemId))

    const result = await runCli(['unregister', '--name', 'auth', '-c', path])
    assert.equal(result.code, 0, result.stderr)
    const deletes = coordinator.requests.slice(before).filter((request) => request.method === 'DELETE')
    assert.deepEqual(deletes.map((request) => [request.path, (request.body as { system_id?: string }).system_id, request.status]), [['/api/v4/runners/managers', systemId, 204]])
    assert.ok(coordinator.runner(auth.token), 'the runner itself stays in GitLab')
    assert.equal(coordinator.runner(auth.token)?.managers.has(systemId), false)
    assert.deepEqual((await loadConfig(path)).config.runners.map((runner) => runner.name), ['other'])
    assertNoFullToken(result, [auth.token])
  })

  it('unregister of a legacy runner deletes the whole runner', async () => {
    const { path, entries } = await configWith([{ name: 'legacy', token: 'LegacyRunnerToken12345' }])
    const before = coordinator.requests.length
    const result = await runCli(['unregister', '--url', coordinator.url, '--token', 'LegacyRunnerToken12345', '-c', path])
    assert.equal(result.code, 0, result.stderr)
    const deletes = coordinator.requests.slice(before).filter((request) => request.method === 'DELETE')
    assert.deepEqual(deletes.map((request) => [request.path, request.status]), [['/api/v4/runners', 204]])
    assert.equal(coordinator.runner(entries[0]?.id ?? -1), undefined)
    assert.deepEqual((await loadConfig(path)).config.runners, [])
  })

  it('unregister that GitLab refuses exits 1 and keeps the entry', async () => {
    const { path, entries } = await configWith([{ name: 'revoked', token: 'RevokedLegacyToken999' }])
    coordinator.revokeRunnerToken(entries[0]?.token ?? '')
    const result = await runCli(['unregister', '--all-runners', '-c', path])
    assert.equal(result.code, 1)
    assert.match(result.stdout, /Unregistering runner from GitLab failed {2}name="revoked"/)
    assert.match(result.stderr, /^ERROR: 1 of 1 runner\(s\) could not be unregistered/m)
    assert.equal((await loadConfig(path)).config.runners.length, 1)
  })

  it('unregister without a selector is a usage error', async () => {
    const { path } = await configWith([{ name: 'x' }])
    const result = await runCli(['unregister', '-c', path])
    assert.equal(result.code, 1)
    assert.equal(result.stderr.trim(), 'ERROR: choose exactly one of --name, --url with --token, or --all-runners')
  })

  it('list shows name, executor, URL and the short token of each runner, and the config path', async () => {
    const { path, entries } = await configWith([{ name: 'alpha', executor: 'shell' }, { name: 'beta-long-name', executor: 'docker' }])
    const result = await runCli(['list', '-c', path])
    assert.equal(result.code, 0, result.stderr)
    const lines = result.stdout.trim().split('\n')
    assert.equal(lines[0], `Listing configured runners  ConfigFile=${path}`)
    assert.equal(lines[1], `alpha           Executor=shell Token=${tokenForLog(entries[0]?.token ?? '')} URL=${coordinator.url}`)
    assert.equal(lines[2], `beta-long-name  Executor=docker Token=${tokenForLog(entries[1]?.token ?? '')} URL=${coordinator.url}`)
    assertNoFullToken(result, entries.map((entry) => entry.token))
  })

  it('list of a missing config file says so and lists nothing', async () => {
    const path = join(dir, 'nowhere', 'config.toml')
    const result = await runCli(['list', '-c', path])
    assert.equal(result.code, 0)
    assert.equal(result.stdout, `Listing configured runners  ConfigFile=${path} (does not exist)\n`)
  })

  it('a broken config file is an ERROR line naming the key, not a stack trace', async () => {
    const path = join(dir, 'broken.toml')
    await import('node:fs/promises').then((fs) => fs.writeFile(path, '[[runners]]\nname = "x"\nlimit = "two"\n'))
    const result = await runCli(['verify', '-c', path])
    assert.equal(result.code, 1)
    assert.equal(result.stderr.split('\n')[0], `ERROR: invalid config file ${path}: runners[0].limit: expected an integer, got "two"`)
    assert.equal(result.stderr.includes('    at '), false)
  })

  it('--version prints the program name and version', async () => {
    const result = await runCli(['--version'])
    assert.equal(result.code, 0)
    assert.match(result.stdout, /^glrunner \d+\.\d+\.\d+/)
  })
})
