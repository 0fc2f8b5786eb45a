import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defaultRunnerConfig } from '../../config/runner-config.js'
import { customSettings } from './custom-settings.js'

const runner = (custom?: Record<string, unknown>) =>
  defaultRunnerConfig({ name: 'r', token: 't', url: 'http://127.0.0.1:1', executor: 'custom', ...(custom ? { custom } : {}) })

test('timeouts default when missing or not positive, and are in milliseconds', () => {
  const settings = customSettings(runner({ run_exec: '/r', prepare_exec: '/p', prepare_exec_timeout: 0, cleanup_exec: '/c', cleanup_exec_timeout: 5, graceful_kill_timeout: -1 }))
  assert.equal(settings.prepare?.timeoutMs, 3_600_000)
  assert.equal(settings.cleanup?.timeoutMs, 5_000)
  assert.equal(settings.gracefulKillMs, 600_000)
  assert.equal(settings.forceKillMs, 10_000)
  assert.equal(settings.config, undefined)
  assert.deepEqual(settings.run.args, [])
})

test('a missing table or run_exec is a configuration error with the official wording', () => {
  assert.throws(() => customSettings(runner()), /^ConfigError: custom executor not configured$/)
  assert.throws(() => customSettings(runner({ config_exec: '/c' })), /custom executor is missing RunExec/)
})
