/**
 * C-16: after a timeout, a cancel or even a normal end, no process the job started is
 * left on the host, including grandchildren in subshells and processes ignoring TERM.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { basePayload, runJob, scratchDir } from '../conformance/run-job.js'
import { createShellExecutorProvider } from '../../src/executors/shell/provider.js'

const scratch = scratchDir()
test.after(() => scratch.remove())

/** Sleep durations nobody else uses, so `ps` finds exactly this job's processes. */
function marker(): number {
  return 40_000 + Math.floor(Math.random() * 20_000)
}

function survivors(seconds: number[]): string[] {
  const lines = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n')

  return lines.filter((line) => seconds.some((value) => line.includes(`sleep ${value}`)))
}

test('C-16: RUNNER_SCRIPT_TIMEOUT kills the whole tree, late.txt is never written, after_script sees timedout', async () => {
  const [a, b] = [marker(), marker()]
  const builds = join(scratch.dir, 'c16')
  const out = await runJob({
    payload: basePayload({
      variables: [...(basePayload().variables ?? []), { key: 'RUNNER_SCRIPT_TIMEOUT', value: '2s' }],
      steps: [
        { name: 'script', script: [`(sleep ${a}; echo late > late.txt) &`, `trap 'echo got-term' TERM; sleep ${b}`] },
        { name: 'after_script', script: ['echo "after=$CI_JOB_STATUS"'] },
      ],
    }),
    runner: { builds_dir: builds },
  })
  assert.deepEqual(out.result, { state: 'failed', failureReason: 'job_execution_timeout' })
  assert.ok(out.text.includes('after=timedout\n'))
  assert.deepEqual(survivors([a, b]), [])
  assert.equal(existsSync(join(builds, 'RunnerTok/0/project-7/late.txt')), false)
})

test('C-16: a cancel kills subshell grandchildren and waiting children', async () => {
  const [a, b, c] = [marker(), marker(), marker()]
  const out = await runJob({
    payload: basePayload({
      steps: [
        { name: 'script', script: [`(sleep ${a} &) ; bash -c 'sleep ${b} & wait' & sleep ${c}`] },
        { name: 'after_script', script: ['echo "after=$CI_JOB_STATUS"'] },
      ],
    }),
    runner: { builds_dir: join(scratch.dir, 'cancel') },
    control: ({ cancel }) => setTimeout(cancel, 1_500),
  })
  assert.equal(out.result.failureReason, 'job_canceled')
  assert.ok(out.text.includes('after=canceled\n'))
  assert.deepEqual(survivors([a, b, c]), [])
})

test('a process ignoring TERM is killed after the grace period', async () => {
  const a = marker()
  const started = Date.now()
  const out = await runJob({
    payload: basePayload({ runner_info: { timeout: 2 }, steps: [{ name: 'script', script: [`bash -c "trap '' TERM; sleep ${a}; true"`] }] }),
    runner: { builds_dir: join(scratch.dir, 'ignore-term') },
    provider: createShellExecutorProvider({ gracefulKillMs: 1_000, forceKillMs: 2_000 }),
  })
  assert.equal(out.result.failureReason, 'job_execution_timeout')
  assert.ok(Date.now() - started < 15_000)
  assert.deepEqual(survivors([a]), [])
})

test('background processes left by a passing script do not outlive the stage', async () => {
  const a = marker()
  const out = await runJob({
    payload: basePayload({ steps: [{ name: 'script', script: [`(sleep ${a} > /dev/null 2>&1 &)`, 'echo done'] }] }),
    runner: { builds_dir: join(scratch.dir, 'leftover') },
  })
  assert.equal(out.result.state, 'success')
  assert.deepEqual(survivors([a]), [])
})

test('the shell runs in its own process group led by itself', async () => {
  const out = await runJob({
    payload: basePayload({ steps: [{ name: 'script', script: ['echo "pid=$$ pgid=$(ps -o pgid= -p $$ | tr -d \' \')"'] }] }),
    runner: { builds_dir: join(scratch.dir, 'pgid') },
  })
  const match = /\npid=(\d+) pgid=(\d+)/.exec(out.text)
  assert.ok(match !== null)
  // $$ inside the eval subshell is the login shell's pid: it leads the group.
  assert.equal(match[1], match[2])
})
