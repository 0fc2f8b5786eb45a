/** Odd payloads fail their own job with a clear log line; runBuild never throws. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { basePayload, runJob, scratchDir } from '../conformance/run-job.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'

const scratch = scratchDir()
test.after(() => scratch.remove())

const cases: { name: string; payload: JobPayloadInput; message: RegExp }[] = [
  {
    name: 'a NUL byte in a variable value',
    payload: basePayload({ variables: [{ key: 'BAD', value: 'a\0b' }] }),
    message: /variable "BAD" holds a NUL byte/,
  },
  {
    name: 'both run and script',
    payload: basePayload({ run: '[{"name":"x"}]' }),
    message: /both `run` and `script`/,
  },
  {
    name: 'an unknown step name that is not an identifier',
    payload: basePayload({ steps: [{ name: '../../evil', script: ['true'] }] }),
    message: /unknown step name "..\/..\/evil"/,
  },
  {
    name: 'executor_opts the shell executor does not support',
    payload: basePayload({ image: { name: 'alpine', executor_opts: { docker: { platform: 'arm64' } } } }),
    message: /executor_opts docker not supported by the shell executor/,
  },
  {
    name: 'an absurdly large variable',
    payload: basePayload({ variables: [{ key: 'HUGE', value: 'x'.repeat(33 * 1024 * 1024) }] }),
    message: /more than the limit/,
  },
  {
    name: 'a commit id that is not one',
    payload: basePayload({ variables: [{ key: 'GIT_STRATEGY', value: 'fetch' }], git_info: { repo_url: 'https://h.example/g/p.git', sha: '--upload-pack=touch /tmp/x', ref: 'main', refspecs: [] } }),
    message: /invalid commit id/,
  },
  {
    name: 'an ext:: repository URL',
    payload: basePayload({ variables: [{ key: 'GIT_STRATEGY', value: 'clone' }], git_info: { repo_url: 'ext::sh -c touch% /tmp/x', sha: 'a'.repeat(40), ref: 'main', refspecs: [] } }),
    message: /getting sources/,
  },
  {
    name: 'a refspec that git would read as an option',
    payload: basePayload({ variables: [{ key: 'GIT_STRATEGY', value: 'fetch' }], git_info: { repo_url: 'https://h.example/g/p.git', sha: 'a'.repeat(40), ref: 'main', refspecs: ['--upload-pack=touch /tmp/x'] } }),
    message: /invalid refspec/,
  },
  {
    name: 'an unsupported shell',
    payload: basePayload(),
    message: /shell "cmd" is not supported by the shell executor/,
  },
]

for (const [index, item] of cases.entries()) {
  test(`${item.name} fails the job with a clear message instead of throwing`, async () => {
    const runner = { builds_dir: join(scratch.dir, `b${index}`), ...(item.name === 'an unsupported shell' ? { shell: 'cmd' } : {}) }
    const out = await runJob({ payload: item.payload, runner })
    assert.equal(out.result.state, 'failed')
    assert.ok(['runner_system_failure', 'script_failure'].includes(out.result.failureReason ?? ''), out.result.failureReason)
    assert.match(out.text, item.message)
    assert.match(out.text, /ERROR: Job failed/)
  })
}
