/** Whole jobs through runBuild with the shell executor (real bash): log, stages, results. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { basePayload, JOB_TOKEN, runJob, scratchDir } from '../conformance/run-job.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'

const scratch = scratchDir()
test.after(() => scratch.remove())
let counter = 0
function runner(): { builds_dir: string; cache_dir: string } {
  counter += 1

  return { builds_dir: join(scratch.dir, `b${counter}`), cache_dir: join(scratch.dir, 'cache') }
}

function steps(script: string[], afterScript?: string[]): JobPayloadInput['steps'] {
  return [
    { name: 'script', script, when: 'on_success' },
    ...(afterScript === undefined ? [] : [{ name: 'after_script', script: afterScript, when: 'always' as const }]),
  ]
}

function withVariables(extra: { key: string; value: string; masked?: boolean; file?: boolean; raw?: boolean }[]): JobPayloadInput['variables'] {
  return [...(basePayload().variables ?? []), ...extra]
}

test('a passing shell job logs header, the expected sections in order and Job succeeded', async () => {
  const out = await runJob({ payload: basePayload(), runner: runner() })
  assert.deepEqual(out.result, { state: 'success' })
  assert.ok(out.log.startsWith('\x1b[0KRunning with glrunner '))
  assert.ok(out.log.includes('\x1b[0K  on test-runner RunnerTok, system ID: s_0123456789ab\x1b[0;m\n'))
  const sections = [...out.log.matchAll(/section_start:\d+:([a-z_]+)/g)].map((match) => match[1])
  assert.deepEqual(sections, ['prepare_executor', 'prepare_script', 'get_sources', 'step_script', 'cleanup_file_variables'])
  assert.ok(out.log.includes('\x1b[32;1m$ echo hello\x1b[0;m\nhello\n'))
  assert.ok(out.log.includes('\x1b[0K\x1b[36;1mPreparing the "shell" executor\x1b[0;m\x1b[0;m\n'))
  assert.ok(out.log.endsWith('\x1b[32;1mJob succeeded\x1b[0;m\n'))
  assert.ok(!out.log.includes(JOB_TOKEN))
})

test('exit 3 fails the job with exit status 3, script_failure and exit code 3', async () => {
  const out = await runJob({ payload: basePayload({ steps: steps(['exit 3']) }), runner: runner() })
  assert.deepEqual(out.result, { state: 'failed', failureReason: 'script_failure', exitCode: 3 })
  assert.ok(out.log.endsWith('\x1b[31;1mERROR: Job failed: exit status 3\x1b[0;m\n'))
})

test('without trace_sections there are no section markers but the cyan descriptions stay', async () => {
  const out = await runJob({ payload: basePayload({ features: { trace_sections: false } }), runner: runner() })
  assert.ok(!out.log.includes('section_start:'))
  assert.ok(out.log.includes('\x1b[36;1mExecuting "step_script" stage of the job script\x1b[0;m'))
})

test('the first failing command ends the script (errexit) and stdin is empty', async () => {
  const out = await runJob({ payload: basePayload({ steps: steps(['cat; echo stdin-done', 'false', 'echo after']) }), runner: runner() })
  assert.equal(out.result.exitCode, 1)
  assert.ok(out.text.includes('stdin-done\n'))
  assert.ok(!out.text.includes('\nafter\n'))
})

test('C-11: after_script sees success after a passing script and failed after exit 3', async () => {
  const ok = await runJob({ payload: basePayload({ steps: steps(['echo fine'], ['echo "status=$CI_JOB_STATUS"']) }), runner: runner() })
  assert.equal(ok.result.state, 'success')
  assert.ok(ok.text.includes('status=success\n'))

  const bad = await runJob({ payload: basePayload({ steps: steps(['exit 3'], ['echo "status=$CI_JOB_STATUS"']) }), runner: runner() })
  assert.deepEqual(bad.result, { state: 'failed', failureReason: 'script_failure', exitCode: 3 })
  assert.ok(bad.text.includes('status=failed\n'))
  assert.ok(!bad.text.includes('status=running'))
})

test('C-11: RUNNER_SCRIPT_TIMEOUT stops the script, after_script sees timedout, reason job_execution_timeout', async () => {
  const started = Date.now()
  const out = await runJob({
    payload: basePayload({ variables: withVariables([{ key: 'RUNNER_SCRIPT_TIMEOUT', value: '2s' }]), steps: steps(['sleep 60'], ['echo "status=$CI_JOB_STATUS"']) }),
    runner: runner(),
  })
  assert.ok(Date.now() - started < 20_000)
  assert.deepEqual(out.result, { state: 'failed', failureReason: 'job_execution_timeout' })
  assert.ok(out.text.includes('status=timedout\n'))
  assert.ok(out.text.includes('WARNING: step_script could not run to completion because the timeout was exceeded.'))
  assert.ok(out.text.endsWith('ERROR: Job failed: script timeout: context deadline exceeded\n'))
})

test('C-11: a graceful cancel stops the script, after_script sees canceled, footer canceled', async () => {
  const out = await runJob({
    payload: basePayload({ steps: steps(['sleep 60'], ['echo "status=$CI_JOB_STATUS"']) }),
    runner: runner(),
    control: ({ cancel }) => setTimeout(cancel, 1_500),
  })
  assert.deepEqual(out.result, { state: 'failed', failureReason: 'job_canceled' })
  assert.ok(out.text.includes('WARNING: script canceled externally (UI, API)\n'))
  assert.ok(out.text.includes('status=canceled\n'))
  assert.ok(out.text.endsWith('ERROR: Job failed: canceled\n'))
})

test('the job timeout kills the script, skips after_script and reports the Go duration', async () => {
  const out = await runJob({
    payload: basePayload({ runner_info: { timeout: 2 }, steps: steps(['sleep 60'], ['echo after-ran']) }),
    runner: runner(),
  })
  assert.deepEqual(out.result, { state: 'failed', failureReason: 'job_execution_timeout' })
  assert.ok(!out.text.includes('after-ran'))
  assert.ok(out.text.endsWith('ERROR: Job failed: execution took longer than 2s seconds\n'))
})

test('an abort for runner shutdown reports aborted: <signal> as runner_interrupted', async () => {
  const out = await runJob({
    payload: basePayload({ steps: steps(['sleep 60']), features: { trace_sections: true, failure_reasons: ['runner_interrupted'] } }),
    runner: runner(),
    control: ({ abort }) => setTimeout(() => abort({ kind: 'interrupted', signal: 'SIGTERM' }), 1_000),
  })
  assert.deepEqual(out.result, { state: 'failed', failureReason: 'runner_interrupted' })
  assert.ok(out.text.endsWith('ERROR: Job failed: aborted: SIGTERM\n'))
})

test('C-18: $$, raw values and shell-special characters arrive literally', async () => {
  const out = await runJob({
    payload: basePayload({
      job_info: { name: "job with 'quote'", project_id: 7 },
      variables: withVariables([
        { key: 'LEVEL', value: '-9' },
        { key: 'CMD', value: 'gzip "$LEVEL" $$OUT_FILE' },
        { key: 'RAW_PATH', value: '$HOME/keep-literal', raw: true },
        { key: 'PIPE_VAL', value: '|1|first' },
        { key: 'QUOTES', value: 'it\'s "quoted" `tick` back\\slash' },
        { key: 'CI_JOB_NAME', value: "job with 'quote'" },
      ]),
      steps: steps(['echo "cmd=$CMD"', 'echo "raw=$RAW_PATH"', 'echo "pipe=$PIPE_VAL"', 'printf \'%s\\n\' "$QUOTES"', 'echo "name=$CI_JOB_NAME"']),
    }),
    runner: runner(),
  })
  assert.equal(out.result.state, 'success')
  for (const line of ['cmd=gzip "-9" $OUT_FILE', 'raw=$HOME/keep-literal', 'pipe=|1|first', 'it\'s "quoted" `tick` back\\slash', "name=job with 'quote'"]) {
    assert.ok(out.text.includes(`\n${line}\n`), line)
  }
})

test('one-level expansion: A=$B, B=$C, C=x exports A as the literal $C', async () => {
  const out = await runJob({
    payload: basePayload({ variables: withVariables([{ key: 'A', value: '$B' }, { key: 'B', value: '$C' }, { key: 'C', value: 'x' }]), steps: steps(['echo "A=$A"']) }),
    runner: runner(),
  })
  assert.ok(out.text.includes('\nA=$C\n'))
})

test('file variables hold their content at <project_dir>.tmp/KEY and are gone after the job', async () => {
  const config = runner()
  const out = await runJob({
    payload: basePayload({ variables: withVariables([{ key: 'CONF', value: 'a=1', file: true }]), steps: steps(['cat "$CONF"; echo', 'echo "path=$CONF"']) }),
    runner: config,
  })
  assert.ok(out.text.includes('\na=1\n'))
  const path = /\npath=(\S+)/.exec(out.text)?.[1] ?? ''
  assert.equal(path, join(config.builds_dir, 'RunnerTok/0/project-7.tmp/CONF'))
  assert.equal(existsSync(path), false)
})

test('lines appended to GITLAB_ENV reach after_script verbatim', async () => {
  const out = await runJob({ payload: basePayload({ steps: steps(['echo "FOO=bar baz" >> "$GITLAB_ENV"'], ['echo "foo=$FOO"']) }), runner: runner() })
  assert.ok(out.text.includes('\nfoo=bar baz\n'))
})

test('a failing after_script only warns by default and fails the job with AFTER_SCRIPT_IGNORE_ERRORS=false', async () => {
  const soft = await runJob({ payload: basePayload({ steps: steps(['true'], ['exit 1']) }), runner: runner() })
  assert.equal(soft.result.state, 'success')
  assert.ok(soft.text.includes('WARNING: after_script failed, but job will continue unaffected: exit status 1\n'))

  const hard = await runJob({
    payload: basePayload({ variables: withVariables([{ key: 'AFTER_SCRIPT_IGNORE_ERRORS', value: 'false' }]), steps: steps(['true'], ['exit 1']) }),
    runner: runner(),
  })
  assert.deepEqual(hard.result, { state: 'failed', failureReason: 'script_failure', exitCode: 1 })
})

test('CI_DEBUG_TRACE traces commands unless the runner disables it', async () => {
  const payload = basePayload({ variables: withVariables([{ key: 'CI_DEBUG_TRACE', value: 'true' }]), steps: steps(['echo traced']) })
  const traced = await runJob({ payload, runner: runner() })
  assert.ok(traced.text.includes('+ echo traced'))

  const refused = await runJob({ payload, runner: { ...runner(), debug_trace_disabled: true } })
  assert.ok(refused.text.includes('WARNING: CI_DEBUG_TRACE: usage is disabled on this Runner\n'))
  assert.ok(!refused.text.includes('+ echo traced'))
})

test('a config feature flag wins over the job variable and shows in the header', async () => {
  const out = await runJob({
    payload: basePayload({ variables: withVariables([{ key: 'FF_SCRIPT_SECTIONS', value: 'false' }]), steps: steps(['echo a\necho b']) }),
    runner: { ...runner(), feature_flags: { FF_TIMESTAMPS: false, FF_SCRIPT_SECTIONS: true } },
  })
  assert.ok(out.log.includes('  feature flags: FF_SCRIPT_SECTIONS:true, FF_TIMESTAMPS:false'))
  assert.match(out.log, /section_start:\d+:section_script_step_0\[hide_duration=true,collapsed=true\]\r\x1b\[0K\x1b\[32;1m\$ echo a\necho b\x1b\[0;m\n/)
})

test('GET_SOURCES_ATTEMPTS out of range is clamped with a warning', async () => {
  const out = await runJob({ payload: basePayload({ variables: withVariables([{ key: 'GET_SOURCES_ATTEMPTS', value: '20' }]) }), runner: runner() })
  assert.ok(out.text.includes('WARNING: GET_SOURCES_ATTEMPTS: number of attempts out of the range [1, 10], clamping to: 10\n'))
})

test('a failing shell profile fails prepare_script with the profile hint and runs nothing else', async () => {
  const home = join(scratch.dir, 'home')
  mkdirSync(home, { recursive: true })
  writeFileSync(join(home, '.bash_logout'), 'exit 1\n')
  const savedHome = process.env.HOME
  process.env.HOME = home
  try {
    const out = await runJob({ payload: basePayload(), runner: runner() })
    assert.equal(out.result.state, 'failed')
    assert.ok(out.text.includes('ERROR: Job failed: prepare environment: exit status 1. Check https://docs.gitlab.com/runner/shells/#shell-profile-loading for more information\n'))
    assert.ok(!out.log.includes('section_start:') || !/section_start:\d+:(get_sources|cleanup_file_variables)/.test(out.log))
  } finally {
    process.env.HOME = savedHome
  }
})
