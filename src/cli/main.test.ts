import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { loadAgentCommands, main } from './main.js'

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString()
  })

  return { stream, text: () => text }
}

describe('main', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glr-main-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('prints a command error as an ERROR line with its hint and returns 1, without a stack trace', async () => {
    const stderr = capture()
    const code = await main(['node', 'glrunner', 'verify', '-c', join(dir, 'missing.toml')], stderr.stream)
    assert.equal(code, 1)
    assert.equal(stderr.text(), `ERROR: config file ${join(dir, 'missing.toml')} does not exist\nHint: Register a runner first with \`glrunner register\`, or point --config at your config.toml.\n`)
  })

  it('adds the stack trace with --debug', async () => {
    const stderr = capture()
    const code = await main(['node', 'glrunner', '--debug', 'unregister', '-c', join(dir, 'missing.toml')], stderr.stream)
    assert.equal(code, 1)
    const lines = stderr.text().split('\n')
    assert.equal(lines[0], 'ERROR: choose exactly one of --name, --url with --token, or --all-runners')
    assert.match(lines[1] ?? '', /^ConfigError: choose exactly one/)
    assert.match(lines[2] ?? '', /^\s+at /)
  })

  it('loads only the agent command named, none for lifecycle commands and --version, all for help', async () => {
    const namesFor = async (...args: string[]): Promise<string[]> => (await loadAgentCommands(['node', 'glrunner', ...args])).map((command) => command.name())
    assert.deepEqual(await namesFor('--log-level', 'debug', 'list'), [])
    assert.deepEqual(await namesFor('--log-level', 'debug', 'run'), ['run'])
    assert.deepEqual(await namesFor('-l', 'debug', 'run'), ['run'], '-l is the official short form of --log-level')
    assert.deepEqual(await namesFor('exec', '--list'), ['exec'])
    assert.deepEqual(await namesFor('--version'), [])
    const all = await namesFor('--help')
    for (const agent of ['run', 'run-single', 'exec', 'cleanup', 'install', 'status']) assert.ok(all.includes(agent), `--help lists ${agent}`)
    assert.deepEqual(await namesFor('exce'), all, 'an unknown name loads every command, so commander can suggest one')
  })
})
