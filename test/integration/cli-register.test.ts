/**
 * `glrunner register` end to end: the real CLI process against the real coordinator on
 * 127.0.0.1, checking what was sent, what config.toml holds, and what was printed.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../../src/config/load-config.js'
import { silentLogger } from '../../src/core/logger.js'
import { startCoordinator, type Coordinator } from '../../src/coordinator/index.js'
import { runRegister } from '../../src/cli/register-flow.js'
import type { Prompter } from '../../src/cli/prompts.js'

const ROOT = new URL('../..', import.meta.url).pathname

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  // A clean environment: CI_SERVER_URL and friends from the outer shell must not leak in.
  const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' }

  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...baseEnv, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

function assertNoFullToken(result: CliResult, token: string): void {
  assert.equal(result.stdout.includes(token), false, `stdout shows the whole token: ${result.stdout}`)
  assert.equal(result.stderr.includes(token), false, `stderr shows the whole token: ${result.stderr}`)
}

describe('glrunner register', () => {
  let coordinator: Coordinator
  let dir: string
  before(async () => {
    coordinator = await startCoordinator()
    dir = await mkdtemp(join(tmpdir(), 'glr-cli-register-'))
  })
  after(async () => {
    await coordinator.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('registers with a legacy registration token and appends the runner to a new 0600 config file', async () => {
    coordinator.addRegistrationToken('GR1348941legacy-ok')
    const configPath = join(dir, 'legacy', 'config.toml')
    const result = await runCli([
      'register', '--non-interactive', '--url', coordinator.url, '--registration-token', 'GR1348941legacy-ok',
      '--name', 'legacy-box', '--executor', 'shell', '--tag-list', 'linux, fast', '--env', 'A=1', '--env', 'B=two', '--config', configPath,
    ])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /Registering runner\.\.\. succeeded {2}name="legacy-box" runner=\S+/)

    const sent = coordinator.requests.find((request) => request.endpoint === 'register')
    assert.ok(sent)
    assert.equal((sent.body as { tag_list?: string }).tag_list, 'linux,fast')
    assert.equal((sent.body as { description?: string }).description, 'legacy-box')
    assert.equal((sent.body as { locked?: boolean }).locked, true)

    const { config } = await loadConfig(configPath)
    const runner = config.runners[0]
    assert.ok(runner)
    const record = coordinator.runner(runner.token)
    assert.ok(record, 'the stored token is the one GitLab issued')
    assert.equal(runner.id, record.id)
    assert.equal(runner.name, 'legacy-box')
    assert.deepEqual(runner.environment, ['A=1', 'B=two'])
    assert.match(runner.token_obtained_at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.equal((await stat(configPath)).mode & 0o777, 0o600)
    assertNoFullToken(result, runner.token)
    assertNoFullToken(result, 'GR1348941legacy-ok')
  })

  it('registers a glrt- token through verify with the system id and sends no server-owned settings', async () => {
    const created = coordinator.createRunner({ tokenExpiresAt: '2030-01-02T03:04:05.000Z' })
    const configPath = join(dir, 'auth', 'config.toml')
    const before = coordinator.requests.length
    const result = await runCli(['register', '-n', '--executor', 'docker', '--docker-image', 'alpine:3.20', '--docker-volumes', '/cache'], {
      CI_SERVER_URL: coordinator.url,
      CI_SERVER_TOKEN: created.token,
      RUNNER_NAME: 'auth-box',
      CONFIG_FILE: configPath,
    })
    assert.equal(result.code, 0, result.stderr)

    const sent = coordinator.requests.slice(before)
    assert.deepEqual(sent.map((request) => request.endpoint), ['verify'])
    const body = sent[0]?.body as Record<string, unknown>
    for (const key of ['tag_list', 'locked', 'run_untagged', 'access_level', 'maximum_timeout', 'paused', 'description']) {
      assert.equal(key in body, false, `${key} must not be sent with an authentication token`)
    }
    const systemId = (await readFile(join(dir, 'auth', '.runner_system_id'), 'utf8')).trim()
    assert.equal(body.system_id, systemId)
    assert.equal((body.info as { executor?: string }).executor, 'docker')

    const { config } = await loadConfig(configPath)
    assert.equal(config.runners.length, 1)
    assert.equal(config.runners[0]?.id, created.id)
    assert.equal(config.runners[0]?.token, created.token)
    assert.equal(config.runners[0]?.token_expires_at, '2030-01-02T03:04:05Z')
    assert.deepEqual(config.runners[0]?.docker, { image: 'alpine:3.20', volumes: ['/cache'] })
    assertNoFullToken(result, created.token)
  })

  it('refuses server-owned settings with a glrt- token before contacting GitLab', async () => {
    const created = coordinator.createRunner()
    const configPath = join(dir, 'reserved.toml')
    const before = coordinator.requests.length
    const result = await runCli(['register', '-n', '--url', coordinator.url, '--token', created.token, '--executor', 'shell', '--tag-list', 'a', '--locked=false', '-c', configPath])
    assert.equal(result.code, 1)
    assert.match(result.stderr, /^ERROR: --tag-list, --locked cannot be used with a runner authentication token$/m)
    assert.match(result.stderr, /^Hint: /m)
    assert.equal(coordinator.requests.length, before)
    await assert.rejects(stat(configPath), { code: 'ENOENT' })
  })

  describe('failures leave config.toml unchanged', () => {
    const existing = 'concurrent = 2\ncheck_interval = 3\nshutdown_timeout = 30\n\n[[runners]]\nname = "old"\nurl = "http://127.0.0.1:9"\nid = 1\ntoken = "old-token"\nexecutor = "shell"\n'

    const cases: { name: string; setup: () => string; extra?: string[]; error: RegExp }[] = [
      { name: 'an unknown registration token (403)', setup: () => 'GR1348941unknown', error: /forbidden \(check registration token\)/ },
      {
        name: 'registration tokens disabled on the instance (410)',
        setup: () => {
          coordinator.addRegistrationToken('GR1348941disabled', { disabled: true })
          return 'GR1348941disabled'
        },
        error: /registration tokens are disabled/,
      },
      {
        name: 'a registration GitLab rejects as invalid (400)',
        setup: () => {
          coordinator.addRegistrationToken('GR1348941bad-request')
          return 'GR1348941bad-request'
        },
        extra: ['--maximum-timeout', '60'],
        error: /rejected: .*maximum_timeout/,
      },
    ]

    for (const [index, testCase] of cases.entries()) {
      it(`exits non-zero and writes nothing for ${testCase.name}`, async () => {
        const configPath = join(dir, `failure-${index}.toml`)
        await writeFile(configPath, existing, { mode: 0o600 })
        const token = testCase.setup()
        const result = await runCli(['register', '-n', '--url', coordinator.url, '--registration-token', token, '--executor', 'shell', '-c', configPath, ...(testCase.extra ?? [])])
        assert.equal(result.code, 1)
        assert.match(result.stderr, /^ERROR: registering runner with token \S+: /m)
        assert.match(result.stderr, testCase.error)
        assert.equal(result.stderr.includes('    at '), false, 'no stack trace without --debug')
        assert.equal(await readFile(configPath, 'utf8'), existing)
        assertNoFullToken(result, token)
      })
    }
  })

  it('undoes a legacy registration whose config file cannot be written', async () => {
    coordinator.addRegistrationToken('GR1348941rollback')
    // The temp file saveConfig writes next to it gets a name longer than the file system allows.
    const configPath = join(dir, `${'c'.repeat(240)}.toml`)
    const before = coordinator.requests.length
    const result = await runCli(['register', '-n', '--url', coordinator.url, '--registration-token', 'GR1348941rollback', '--executor', 'shell', '-c', configPath])
    assert.equal(result.code, 1)
    assert.match(result.stderr, /ERROR: writing config file/)

    const sent = coordinator.requests.slice(before)
    assert.deepEqual(sent.map((request) => [request.endpoint, request.status]), [['register', 201], ['unregister', 204]])
    const issued = (sent[1]?.body as { token: string }).token
    assert.equal(coordinator.runner(issued), undefined, 'the runner is gone from GitLab')
  })

  it('asks for the missing values on a terminal and registers with the answers', async () => {
    coordinator.addRegistrationToken('GR1348941prompted')
    const configPath = join(dir, 'prompted.toml')
    const answers = [coordinator.url, 'GR1348941prompted', 'prompted-box', 'docker', 'busybox:1']
    const questions: string[] = []
    const prompter: Prompter = {
      ask: async (question) => {
        questions.push(question)
        return answers.shift() ?? ''
      },
      close: () => undefined,
    }
    const output = new PassThrough()
    await runRegister({ config: configPath, locked: true }, { logger: silentLogger(), explicitlySet: () => false, prompter, output })

    assert.equal(questions.length, 5)
    assert.match(questions[3] ?? '', /executor/)
    const { config } = await loadConfig(configPath)
    assert.equal(config.runners[0]?.name, 'prompted-box')
    assert.deepEqual(config.runners[0]?.docker, { image: 'busybox:1' })
  })
})
