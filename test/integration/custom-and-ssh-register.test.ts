/**
 * `glrunner register --executor ssh|custom` on a terminal: the questions for the
 * executor's own keys (through the prompter seam), and what lands in config.toml, against
 * the real coordinator on 127.0.0.1.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../../src/config/load-config.js'
import { silentLogger } from '../../src/core/logger.js'
import { startCoordinator, type Coordinator } from '../../src/coordinator/index.js'
import { runRegister, type RegisterFlags } from '../../src/cli/register-flow.js'
import type { Prompter } from '../../src/cli/prompts.js'

interface Scripted {
  prompter: Prompter
  questions: string[]
}

/** Answers questions from a script keyed by a word of each question; fails on an unexpected one. */
function scriptedPrompter(answers: [RegExp, string][]): Scripted {
  const questions: string[] = []
  const prompter: Prompter = {
    ask: async (question, options = {}) => {
      questions.push(question)
      const next = answers.shift()
      if (next === undefined || !next[0].test(question)) throw new Error(`unexpected question: ${question}`)
      const answer = next[1] || (options.defaultValue ?? '')
      if (answer === '' && options.optional !== true) throw new Error(`empty answer to a required question: ${question}`)

      return answer
    },
    close: () => undefined,
  }

  return { prompter, questions }
}

describe('glrunner register asks for the ssh and custom executor keys', () => {
  let coordinator: Coordinator
  let dir: string
  before(async () => {
    coordinator = await startCoordinator()
    dir = await mkdtemp(join(tmpdir(), 'glr-register-executors-'))
  })
  after(async () => {
    await coordinator.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function register(name: string, flags: RegisterFlags, answers: [RegExp, string][]) {
    const token = `GR1348941${name}`
    coordinator.addRegistrationToken(token)
    const configPath = join(dir, `${name}.toml`)
    const scripted = scriptedPrompter(answers)
    await runRegister(
      { config: configPath, url: coordinator.url, registrationToken: token, name, locked: true, ...flags },
      { logger: silentLogger(), explicitlySet: () => false, prompter: scripted.prompter, output: new PassThrough() },
    )
    const { config } = await loadConfig(configPath)

    return { runner: config.runners[0], questions: scripted.questions, remaining: answers }
  }

  it('ssh: host, port, user and an identity file go into [runners.ssh]; no password is asked then', async () => {
    const out = await register('ssh-key', {}, [
      [/executor/, 'ssh'],
      [/SSH server address/, 'build-host.example.com'],
      [/SSH server port/, '2222'],
      [/SSH user/, 'ci'],
      [/private key/, '/etc/glrunner/id_ed25519'],
    ])

    assert.deepEqual(out.remaining, [], 'every scripted question was asked')
    assert.equal(out.runner?.executor, 'ssh')
    assert.deepEqual(out.runner?.ssh, { host: 'build-host.example.com', port: '2222', user: 'ci', identity_file: '/etc/glrunner/id_ed25519' })
  })

  it('ssh: Enter keeps port 22 and user root, and an empty key path leads to the password question', async () => {
    const out = await register('ssh-password', {}, [
      [/executor/, 'ssh'],
      [/SSH server address/, '10.0.0.5'],
      [/SSH server port/, ''],
      [/SSH user/, ''],
      [/private key.*password instead/, ''],
      [/SSH password/, 's3cret'],
    ])

    assert.deepEqual(out.remaining, [])
    assert.deepEqual(out.runner?.ssh, { host: '10.0.0.5', port: '22', user: 'root', password: 's3cret' })
  })

  it('ssh: values given as flags are not asked again', async () => {
    const out = await register('ssh-flags', { executor: 'ssh', sshHost: 'h.example', sshPort: '22', sshUser: 'u', sshPassword: 'p' }, [])

    assert.deepEqual(out.questions, [])
    assert.deepEqual(out.runner?.ssh, { host: 'h.example', port: '22', user: 'u', password: 'p' })
  })

  it('custom: the four programs go into [runners.custom], skipped optional ones stay out', async () => {
    const out = await register('custom-all', {}, [
      [/executor/, 'custom'],
      [/config_exec.*Enter for none/, '/opt/sandbox/config.sh'],
      [/prepare_exec.*Enter for none/, ''],
      [/run_exec/, '/opt/sandbox/run.sh'],
      [/cleanup_exec.*Enter for none/, '/opt/sandbox/cleanup.sh'],
    ])

    assert.deepEqual(out.remaining, [])
    assert.equal(out.runner?.executor, 'custom')
    assert.deepEqual(out.runner?.custom, { config_exec: '/opt/sandbox/config.sh', run_exec: '/opt/sandbox/run.sh', cleanup_exec: '/opt/sandbox/cleanup.sh' })
  })

  it('custom: with --custom-run-exec given only the optional programs are asked', async () => {
    const out = await register('custom-run-flag', { executor: 'custom', customRunExec: '/opt/run.sh' }, [
      [/config_exec/, ''],
      [/prepare_exec/, '/opt/prepare.sh'],
      [/cleanup_exec/, ''],
    ])

    assert.equal(out.questions.some((question) => /run_exec/.test(question)), false)
    assert.deepEqual(out.runner?.custom, { prepare_exec: '/opt/prepare.sh', run_exec: '/opt/run.sh' })
  })
})
