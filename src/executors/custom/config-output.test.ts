import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError } from '../../core/errors.js'
import { parseConfigOutput, usingLine } from './config-output.js'

test('empty config_exec output means no overrides', () => {
  assert.deepEqual(parseConfigOutput(''), {})
  assert.deepEqual(parseConfigOutput('  \n'), {})
})

test('every documented field is read and unknown fields are ignored', () => {
  const output = parseConfigOutput(JSON.stringify({
    builds_dir: '/builds', cache_dir: '/cache', builds_dir_is_shared: true, hostname: 'h',
    driver: { name: 'test driver', version: 'v0.0.1' }, job_env: { CUSTOM_ENVIRONMENT: 'example' }, shell: 'bash', extra: 1,
  }))
  assert.equal(output.builds_dir, '/builds')
  assert.equal(output.builds_dir_is_shared, true)
  assert.deepEqual(output.job_env, { CUSTOM_ENVIRONMENT: 'example' })
  assert.equal(usingLine(output), 'Using Custom executor with driver test driver v0.0.1...')
  assert.equal(usingLine({}), 'Using Custom executor...')
})

test('invalid JSON and wrong field types are configuration errors naming the problem', () => {
  assert.throws(() => parseConfigOutput('{"builds_dir":'), (err: unknown) => {
    assert.ok(err instanceof ConfigError)
    assert.match(err.message, /^error while parsing JSON output: /)

    return true
  })
  assert.throws(() => parseConfigOutput('{"job_env":{"A":1}}'), /error while parsing JSON output: job_env\.A: /)
})
