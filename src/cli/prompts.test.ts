import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import { createPrompter } from './prompts.js'

function streams() {
  const input = new PassThrough()
  const output = new PassThrough()
  let shown = ''
  output.on('data', (chunk: Buffer) => {
    shown += chunk.toString()
  })

  return { input, output, shown: () => shown }
}

describe('createPrompter', () => {
  it('returns the typed answer, trimmed', async () => {
    const io = streams()
    const prompter = createPrompter(io)
    io.input.write('  https://gitlab.example.com  \n')
    assert.equal(await prompter.ask('Enter the URL'), 'https://gitlab.example.com')
    prompter.close()
    assert.equal(io.shown(), 'Enter the URL:\n')
  })

  it('takes the default on an empty answer and shows it in brackets', async () => {
    const io = streams()
    const prompter = createPrompter(io)
    io.input.write('\n')
    assert.equal(await prompter.ask('Enter a name', { defaultValue: 'box' }), 'box')
    prompter.close()
    assert.equal(io.shown(), 'Enter a name [box]:\n')
  })

  it('asks again until the answer is one of the allowed values', async () => {
    const io = streams()
    const prompter = createPrompter(io)
    io.input.write('\nkubernetes\nssh\n')
    assert.equal(await prompter.ask('Enter an executor', { allowed: ['shell', 'ssh'] }), 'ssh')
    prompter.close()
    assert.equal(io.shown().split('Enter an executor:\n').length - 1, 3)
    assert.match(io.shown(), /Please enter one of: shell, ssh/)
  })
})

describe('createPrompter with optional questions', () => {
  it('accepts Enter alone as an empty answer, and still returns a typed one', async () => {
    const io = streams()
    const prompter = createPrompter(io)
    io.input.write('\n  ./prepare.sh \n')
    assert.equal(await prompter.ask('Enter the config program (Enter for none)', { optional: true }), '')
    assert.equal(await prompter.ask('Enter the prepare program (Enter for none)', { optional: true }), './prepare.sh')
    prompter.close()
    assert.equal(io.shown().split('\n').length - 1, 2, 'each question was asked once')
  })
})

describe('createPrompter at end of input', () => {
  it('fails with a ConfigError instead of waiting forever', async () => {
    const io = streams()
    const prompter = createPrompter(io)
    io.input.end()
    await assert.rejects(prompter.ask('Enter the URL'), { code: 'GLR_CONFIG', message: 'input ended before all questions were answered' })
    prompter.close()
  })
})
