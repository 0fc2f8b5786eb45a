/**
 * The custom executor against a real (recording) driver: test/fakes/recording-custom-driver.sh
 * logs every call's arguments and environment and runs the stage scripts with bash.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import type { CustomExecutorConfig, RunnerConfig } from '../../src/config/runner-config.js'
import { customExecutorProvider } from '../../src/executors/custom/provider.js'
import { sessionMembers } from '../../src/executors/shell/process-tree.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'
import { basePayload, runJob, scratchDir, type JobRunOutput } from '../conformance/run-job.js'

const REASONS = ['script_failure', 'job_execution_timeout', 'job_canceled', 'runner_system_failure', 'runner_configuration_error']
const DRIVER = fileURLToPath(new URL('../fakes/recording-custom-driver.sh', import.meta.url))

interface DriverCall {
  phase: string
  args: string[]
  cwd: string
  pid: number
  env: Map<string, string>
}

/** The record file as a list of calls. */
function readCalls(record: string): DriverCall[] {
  if (!existsSync(record)) return []
  const calls: DriverCall[] = []
  for (const line of readFileSync(record, 'utf8').split('\n')) {
    const current = calls.at(-1)
    if (line.startsWith('=== ')) calls.push({ phase: line.slice(4), args: [], cwd: '', pid: 0, env: new Map() })
    else if (current === undefined) continue
    else if (line.startsWith('arg: ')) current.args.push(line.slice(5))
    else if (line.startsWith('cwd: ')) current.cwd = line.slice(5)
    else if (line.startsWith('pid: ')) current.pid = Number(line.slice(5))
    else if (line.startsWith('env: ')) {
      const text = line.slice(5)
      const at = text.indexOf('=')
      current.env.set(text.slice(0, at), text.slice(at + 1))
    }
  }

  return calls
}

interface CustomRun extends JobRunOutput {
  calls: DriverCall[]
}

async function customJob(options: {
  variables?: Record<string, string>
  custom?: Partial<CustomExecutorConfig>
  payload?: Partial<JobPayloadInput>
  runner?: Partial<RunnerConfig>
}): Promise<CustomRun> {
  const scratch = scratchDir('glr-custom-')
  const record = join(scratch.dir, 'record.txt')
  const base = basePayload(options.payload)
  base.features = { ...base.features, failure_reasons: [...REASONS] }
  const variables = [...(base.variables ?? []), ...Object.entries(options.variables ?? {}).map(([key, value]) => ({ key, value }))]
  try {
    const out = await runJob({
      payload: { ...base, variables },
      provider: customExecutorProvider,
      runner: {
        executor: 'custom',
        builds_dir: join(scratch.dir, 'builds'),
        cache_dir: join(scratch.dir, 'cache'),
        custom: {
          config_exec: DRIVER, config_args: ['config', record],
          prepare_exec: DRIVER, prepare_args: ['prepare', record],
          run_exec: DRIVER, run_args: ['run', record],
          cleanup_exec: DRIVER, cleanup_args: ['cleanup', record],
          ...options.custom,
        },
        ...options.runner,
      },
    })

    return { ...out, calls: readCalls(record) }
  } finally {
    scratch.remove()
  }
}

test('a job calls config, prepare, run once per stage with the script path and stage name, then cleanup', async () => {
  const out = await customJob({
    payload: { steps: [{ name: 'script', script: ['echo from-the-script'], when: 'on_success' }, { name: 'after_script', script: ['echo after'], when: 'always' }] },
  })
  assert.equal(out.result.state, 'success', out.text)
  assert.ok(out.text.includes('from-the-script'))
  assert.ok(out.text.includes('Using Custom executor...\n'), out.text)

  const phases = out.calls.map((call) => (call.phase === 'run' ? `run ${call.args[1]}` : call.phase))
  assert.deepEqual(phases, [
    'config', 'prepare', 'run prepare_script', 'run get_sources', 'run build_script', 'run after_script',
    'run cleanup_file_variables', 'cleanup',
  ])
  const runs = out.calls.filter((call) => call.phase === 'run')
  const scriptDirs = new Set(runs.map((call) => join(call.args[0] ?? '', '..')))
  assert.equal(scriptDirs.size, runs.length, 'each stage gets its own script directory')
  for (const call of runs) {
    assert.equal(call.args.length, 2)
    assert.match(call.args[0] ?? '', /\/script[^/]+\/script$/)
    assert.ok((call.args[0] ?? '').startsWith(call.cwd + '/'), 'scripts live in the temp dir')
  }
  assert.ok(out.text.includes("WARNING: Starting with version 17.0 the 'build_script' stage will be replaced with 'step_script'"))
  assert.ok(!existsSync(out.calls[0]?.cwd ?? '/'), 'the temp dir is removed at cleanup')
})

test('every executable sees the contract variables, TMPDIR as its cwd and the job variables as CUSTOM_ENV_', async () => {
  const out = await customJob({
    variables: { MY_VAR: 'my value' },
    payload: { services: [{ name: 'postgres:16', alias: 'db' }] },
  })
  assert.equal(out.result.state, 'success', out.text)
  assert.equal(out.calls.length, 7)
  for (const call of out.calls) {
    assert.equal(call.env.get('TMPDIR'), call.cwd, call.phase)
    assert.equal(call.env.get('BUILD_FAILURE_EXIT_CODE'), '1')
    assert.equal(call.env.get('SYSTEM_FAILURE_EXIT_CODE'), '2')
    assert.equal(call.env.get('BUILD_EXIT_CODE_FILE'), join(call.cwd, 'build_exit_code'))
    assert.equal(call.env.get('JOB_RESPONSE_FILE'), join(call.cwd, 'response.json'))
    assert.equal(call.env.get('CUSTOM_ENV_MY_VAR'), 'my value', call.phase)
    assert.equal(call.env.get('CUSTOM_ENV_CI_JOB_TOKEN'), 'glcbt-64_TestJobToken123456789')
    const services = JSON.parse(call.env.get('CUSTOM_ENV_CI_JOB_SERVICES') ?? '') as { name: string; alias: string }[]
    assert.deepEqual(services.map((service) => [service.name, service.alias]), [['postgres:16', 'db']])
  }
  const run = out.calls.find((call) => call.phase === 'run')
  assert.match(run?.env.get('CUSTOM_ENV_CI_PROJECT_DIR') ?? '', /\/builds\/project-7$/)
})

test('the job response file holds the parsed job as one JSON line, private to the runner user', async () => {
  const scratch = scratchDir('glr-custom-resp-')
  try {
    const copy = join(scratch.dir, 'copy.json')
    const out = await customJob({
      custom: { prepare_exec: '/bin/sh', prepare_args: ['-c', 'cp "$JOB_RESPONSE_FILE" "$1" && stat -c %a "$JOB_RESPONSE_FILE" >"$1.mode"', 'sh', copy] },
    })
    assert.equal(out.result.state, 'success', out.text)
    const text = readFileSync(copy, 'utf8')
    assert.equal(text.split('\n').length, 2, 'one line plus newline')
    const job = JSON.parse(text) as { id: number; job_info: { project_id: number } }
    assert.equal(job.id, 1001)
    assert.equal(job.job_info.project_id, 7)
    assert.equal(readFileSync(`${copy}.mode`, 'utf8').trim(), '600')
  } finally {
    scratch.remove()
  }
})

test('config_exec JSON sets the driver line and job_env for every later executable', async () => {
  const json = JSON.stringify({ driver: { name: 'd', version: '1' }, job_env: { DRIVER_JOB_ENV: 'y' } })
  const out = await customJob({ variables: { FAKE_CONFIG_JSON: json } })
  assert.equal(out.result.state, 'success', out.text)
  assert.ok(out.text.includes('Using Custom executor with driver d 1...\n'), out.text)
  assert.ok(out.text.includes('config_exec says hello on stderr'), 'config_exec stderr reaches the job log')
  const later = out.calls.filter((call) => call.phase !== 'config')
  assert.ok(later.length > 0 && later.every((call) => call.env.get('DRIVER_JOB_ENV') === 'y'))
  assert.equal(out.calls[0]?.env.get('DRIVER_JOB_ENV'), undefined)
})

test("config_exec's builds_dir, cache_dir and shared layout place the job, and its hostname is shown", async () => {
  const scratch = scratchDir('glr-custom-cfg-')
  try {
    const buildsDir = join(scratch.dir, 'from-config')
    const json = JSON.stringify({ builds_dir: buildsDir, cache_dir: join(scratch.dir, 'cache-from-config'), builds_dir_is_shared: true, hostname: 'driver-host-1' })
    const out = await customJob({
      variables: { FAKE_CONFIG_JSON: json },
      payload: { steps: [{ name: 'script', script: ['echo "dir=$CI_PROJECT_DIR"', 'echo "pwd=$PWD"', 'echo "builds=$CI_BUILDS_DIR"'], when: 'on_success' }] },
    })
    assert.equal(out.result.state, 'success', out.text)
    const projectDir = join(buildsDir, 'RunnerTok', '0', 'project-7')
    assert.ok(out.text.includes(`dir=${projectDir}\n`), out.text)
    assert.ok(out.text.includes(`pwd=${projectDir}\n`), out.text)
    assert.ok(out.text.includes(`builds=${buildsDir}\n`), out.text)
    assert.match(out.text, /\nRunning on [^\n]+ via driver-host-1\.\.\.\n/)
    const run = out.calls.find((call) => call.phase === 'run')
    assert.equal(run?.env.get('CUSTOM_ENV_CI_PROJECT_DIR'), projectDir)
  } finally {
    scratch.remove()
  }
})

test('without builds_dir_is_shared the project dir sits right under config_exec\'s builds_dir, and no hostname means no "via"', async () => {
  const scratch = scratchDir('glr-custom-cfg-')
  try {
    const buildsDir = join(scratch.dir, 'flat')
    const out = await customJob({
      variables: { FAKE_CONFIG_JSON: JSON.stringify({ builds_dir: buildsDir }) },
      payload: { steps: [{ name: 'script', script: ['echo "dir=$CI_PROJECT_DIR"'], when: 'on_success' }] },
    })
    assert.equal(out.result.state, 'success', out.text)
    assert.ok(out.text.includes(`dir=${join(buildsDir, 'project-7')}\n`), out.text)
    assert.match(out.text, /\nRunning on [^\n]+\.\.\.\n/)
    assert.doesNotMatch(out.text, / via /)
  } finally {
    scratch.remove()
  }
})

test("a shell from config_exec that the custom executor cannot use is a configuration error", async () => {
  const out = await customJob({ variables: { FAKE_CONFIG_JSON: JSON.stringify({ shell: 'cmd' }) } })
  assert.equal(out.result.state, 'failed')
  assert.equal(out.result.failureReason, 'runner_configuration_error')
  assert.match(out.text, /shell "cmd" is not supported by the custom executor/)
  assert.deepEqual(out.calls.map((call) => call.phase), ['config', 'cleanup'])
})

test('prepare, run and cleanup see every job variable, expanded, as CUSTOM_ENV_', async () => {
  const out = await customJob({
    payload: {
      variables: [
        ...(basePayload().variables ?? []),
        { key: 'BASE', value: 'base-value' },
        { key: 'DERIVED', value: '${BASE}-derived' },
        { key: 'RAW', value: '${BASE}', raw: true },
        { key: 'A_FILE', value: 'file contents', file: true },
      ],
    },
  })
  assert.equal(out.result.state, 'success', out.text)
  const later = out.calls.filter((call) => call.phase !== 'config')
  assert.deepEqual(later.map((call) => call.phase), ['prepare', 'run', 'run', 'run', 'run', 'cleanup'])
  for (const call of later) {
    assert.equal(call.env.get('CUSTOM_ENV_DERIVED'), 'base-value-derived', call.phase)
    assert.equal(call.env.get('CUSTOM_ENV_RAW'), '${BASE}', call.phase)
    assert.equal(call.env.get('CUSTOM_ENV_A_FILE'), 'file contents', call.phase)
    assert.equal(call.env.get('CUSTOM_ENV_CI_SERVER'), 'yes', call.phase)
    assert.equal(call.env.get('CUSTOM_ENV_CI_JOB_TIMEOUT'), '60', call.phase)
    assert.equal(call.env.get('CUSTOM_ENV_CI_CONCURRENT_PROJECT_ID'), '0', call.phase)
    assert.equal(call.env.get('CUSTOM_ENV_CI_RUNNER_SHORT_TOKEN'), 'RunnerTok', call.phase)
    assert.match(call.env.get('CUSTOM_ENV_RUNNER_TEMP_PROJECT_DIR') ?? '', /\/builds\/project-7\.tmp$/, call.phase)
  }
})

test('malformed config_exec JSON fails the job with a parse error and cleanup still runs', async () => {
  const out = await customJob({ variables: { FAKE_CONFIG_JSON: '{"builds_dir": ' } })
  assert.equal(out.result.state, 'failed')
  assert.equal(out.result.failureReason, 'runner_configuration_error')
  assert.match(out.text, /ERROR: Job failed: error while parsing JSON output: /)
  assert.deepEqual(out.calls.map((call) => call.phase), ['config', 'cleanup'])
})

test('a build failure takes its exit code from BUILD_EXIT_CODE_FILE', async () => {
  const out = await customJob({ variables: { FAKE_EXIT_RUN: '1', FAKE_EXIT_FILE: '42' } })
  assert.equal(out.result.state, 'failed')
  assert.equal(out.result.failureReason, 'script_failure')
  assert.equal(out.result.exitCode, 42)
  assert.ok(out.text.includes('ERROR: Job failed: exit status 42'), out.text)
  assert.equal(out.calls.at(-1)?.phase, 'cleanup', 'cleanup runs after a failure')
})

test('a failing script reports its own exit code through the driver', async () => {
  const out = await customJob({ payload: { steps: [{ name: 'script', script: ['exit 7'], when: 'on_success' }] } })
  assert.equal(out.result.exitCode, 7)
  assert.ok(out.text.includes('ERROR: Job failed: exit status 7'), out.text)
})

test('system failure and unknown exit codes are runner system failures', async () => {
  const system = await customJob({ variables: { FAKE_EXIT_RUN: '2' } })
  assert.equal(system.result.failureReason, 'runner_system_failure')
  assert.ok(system.text.includes('ERROR: Job failed (system failure): exit status 2'), system.text)

  const unknown = await customJob({ variables: { FAKE_EXIT_RUN: '3' } })
  assert.equal(unknown.result.failureReason, 'runner_system_failure')
  assert.ok(unknown.text.includes('unknown Custom executor executable exit code 3; executable execution terminated with: exit status 3'))
})

test('a failing cleanup_exec leaves the job status alone and warns', async () => {
  const out = await customJob({ variables: { FAKE_EXIT_CLEANUP: '5' } })
  assert.equal(out.result.state, 'success', out.text)
  assert.match(out.text, /WARNING: Cleanup script failed: unknown Custom executor executable exit code 5/)
})

test('a prepare_exec system failure is retried', async () => {
  const out = await customJob({ variables: { FAKE_PREPARE_FAILS: '1' } })
  assert.equal(out.result.state, 'success', out.text)
  assert.equal(out.text.match(/ERROR: Preparation failed: exit status 2\n/g)?.length, 1, out.text)
  assert.ok(out.text.includes('Will be retried in 3s ...'))
  assert.equal(out.calls.filter((call) => call.phase === 'prepare').length, 2)
})

test('a hanging prepare_exec is stopped by prepare_exec_timeout', async () => {
  const started = Date.now()
  const out = await customJob({ variables: { FAKE_HANG: 'prepare' }, custom: { prepare_exec_timeout: 1 } })
  assert.equal(out.result.state, 'failed')
  assert.match(out.text, /prepare_exec did not finish within 1 s/)
  assert.ok(Date.now() - started < 8_000)
  const pid = out.calls.find((call) => call.phase === 'prepare')?.pid ?? 0
  assert.deepEqual(sessionMembers(pid), [], 'nothing of the driver survives')
})

test('a driver that ignores TERM gets KILL after graceful_kill_timeout when the job times out', async () => {
  const started = Date.now()
  const out = await customJob({
    variables: { FAKE_HANG: 'run', FAKE_IGNORE_TERM: '1' },
    custom: { graceful_kill_timeout: 1, force_kill_timeout: 2 },
    payload: { runner_info: { timeout: 2 } },
  })
  assert.equal(out.result.failureReason, 'job_execution_timeout', out.text)
  const elapsed = Date.now() - started
  assert.ok(elapsed >= 2_900 && elapsed < 8_000, `took ${elapsed} ms`)
  const pid = out.calls.find((call) => call.phase === 'run' && call.env.has('CUSTOM_ENV_FAKE_HANG'))?.pid ?? 0
  assert.ok(pid > 0)
  assert.deepEqual(sessionMembers(pid), [], 'the driver and its children are gone')
  assert.equal(out.calls.at(-1)?.phase, 'cleanup')
})

test('a missing run_exec is a configuration error', async () => {
  const out = await customJob({ custom: { run_exec: '' } })
  assert.equal(out.result.failureReason, 'runner_configuration_error')
  assert.ok(out.text.includes('custom executor is missing RunExec'))
})
