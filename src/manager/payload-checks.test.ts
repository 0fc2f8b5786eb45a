import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseJobPayload } from '../gitlab/job-payload.js'
import { payloadProblems } from './payload-checks.js'

function payload(extra: Record<string, unknown>) {
  const parsed = parseJobPayload({ id: 1, token: 't', git_info: {}, steps: [{ name: 'script', script: ['echo'] }], ...extra })
  assert.ok(parsed.ok)

  return parsed.payload
}

describe('payloadProblems', () => {
  it('accepts the executor_opts keys the runner knows', () => {
    assert.deepEqual(payloadProblems(payload({ image: { name: 'a', executor_opts: { docker: { platform: 'linux/amd64', user: '1000' } } } })), [])
  })

  it('names unknown executor_opts keys and a run+script combination', () => {
    const problems = payloadProblems(payload({ image: { name: 'a', executor_opts: { podman: {} } }, services: [{ name: 's', executor_opts: { docker: { cpus: 2 } } }], run: '[{"name":"x"}]' }))
    assert.equal(problems.length, 3)
    assert.match(problems[0]!, /image\.executor_opts: unsupported key "podman"/)
    assert.match(problems[1]!, /services\[0\]\.executor_opts\.docker: unsupported key "cpus"/)
    assert.match(problems[2]!, /both "run" and "script"/)
  })
})
