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

  it('loads the agent commands only when the command line may need them', async () => {
    assert.deepEqual(await loadAgentCommands(['node', 'glrunner', '--log-level', 'debug', 'list']), [])
    const names = (await loadAgentCommands(['node', 'glrunner', '--log-level', 'debug', 'run'])).map((command) => command.name())
    for (const agent of ['run', 'run-single', 'exec']) assert.ok(names.includes(agent), `${agent} is loaded for run`)
    assert.ok(!names.some((name) => ['register', 'verify', 'unregister', 'list'].includes(name)))
    assert.equal((await loadAgentCommands(['node', 'glrunner', '--help'])).length, names.length, '--help lists every command')
  })
})
