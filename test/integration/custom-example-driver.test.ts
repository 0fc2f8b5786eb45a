/**
 * examples/custom-executor (the throwaway-directory driver users copy) runs real jobs
 * through the engine: git clone into the job's own directory, exit codes through the
 * driver contract, and the directory gone afterwards, whatever happened.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunnerConfig } from '../../src/config/runner-config.js'
import { customExecutorProvider } from '../../src/executors/custom/provider.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'
import { basePayload, createRepo, runJob, scratchDir, type JobRunOutput } from '../conformance/run-job.js'

const EXAMPLE = fileURLToPath(new URL('../../examples/custom-executor/', import.meta.url))
const REASONS = ['script_failure', 'job_execution_timeout', 'job_canceled', 'runner_system_failure', 'runner_configuration_error']

function exampleRunner(): Partial<RunnerConfig> {
  return {
    executor: 'custom',
    custom: {
      config_exec: join(EXAMPLE, 'config.sh'),
      prepare_exec: join(EXAMPLE, 'prepare.sh'),
      run_exec: join(EXAMPLE, 'run.sh'),
      cleanup_exec: join(EXAMPLE, 'cleanup.sh'),
    },
  }
}

/** Runs one job through the example driver with SANDBOX_BASE pointing at `base`. */
async function sandboxJob(base: string, payload: Partial<JobPayloadInput>, jobId = 4242): Promise<JobRunOutput> {
  const input = basePayload({ id: jobId, ...payload })
  input.features = { ...input.features, failure_reasons: [...REASONS] }
  input.variables = [{ key: 'CI_JOB_ID', value: String(jobId), public: true }, ...(input.variables ?? [])]
  const saved = process.env.SANDBOX_BASE
  process.env.SANDBOX_BASE = base
  try {
    return await runJob({ payload: input, provider: customExecutorProvider, runner: exampleRunner() })
  } finally {
    if (saved === undefined) delete process.env.SANDBOX_BASE
    else process.env.SANDBOX_BASE = saved
  }
}

test('the example driver clones the project into a per-job directory, runs the script there, then removes it', async () => {
  const scratch = scratchDir('glr-custom-example-')
  try {
    const repoDir = join(scratch.dir, 'repo')
    mkdirSync(repoDir)
    const repo = createRepo(repoDir, { 'README.md': 'hello from the example repo\n' })
    const base = join(scratch.dir, 'sandbox')
    const out = await sandboxJob(base, {
      git_info: { repo_url: repo.url, ref: 'main', sha: repo.sha, before_sha: '', ref_type: 'branch', refspecs: ['+refs/heads/main:refs/remotes/origin/main'], depth: 0 },
      variables: [{ key: 'GIT_STRATEGY', value: 'clone' }],
      steps: [{ name: 'script', script: ['cat README.md', 'echo "pwd=$PWD"', 'echo "home=$HOME"'], when: 'on_success' }],
    })

    assert.equal(out.result.state, 'success', out.text)
    assert.match(out.text, /Using Custom executor with driver sandbox-dir 1\.0\.0\.\.\./)
    assert.match(out.text, new RegExp(`Job directory: ${base}/job-4242\\n`))
    assert.match(out.text, /hello from the example repo/)
    assert.match(out.text, new RegExp(`pwd=${base}/job-4242/builds/project-7\\n`))
    assert.match(out.text, new RegExp(`home=${base}/job-4242/home\\n`))
    assert.deepEqual(readdirSync(base), [], 'cleanup removed the job directory')
  } finally {
    scratch.remove()
  }
})

test("a failing script fails the job with the script's own exit code and the directory is still removed", async () => {
  const scratch = scratchDir('glr-custom-example-')
  try {
    const base = join(scratch.dir, 'sandbox')
    const out = await sandboxJob(base, { steps: [{ name: 'script', script: ['touch left-behind', 'exit 7'], when: 'on_success' }] }, 4243)

    assert.equal(out.result.state, 'failed', out.text)
    assert.equal(out.result.failureReason, 'script_failure')
    assert.match(out.text, /ERROR: Job failed: exit status 7/)
    assert.equal(existsSync(join(base, 'job-4243')), false)
  } finally {
    scratch.remove()
  }
})

test('a relative SANDBOX_BASE is refused as a system failure before anything is created', async () => {
  const out = await sandboxJob('relative/sandbox', {}, 4244)

  assert.equal(out.result.state, 'failed', out.text)
  assert.equal(out.result.failureReason, 'runner_system_failure')
  assert.match(out.text, /SANDBOX_BASE must be an absolute path, got 'relative\/sandbox'/)
  assert.equal(existsSync('relative'), false)
})
