/**
 * Drives the engine directly for tests: builds a payload, runs it through runBuild with a
 * real executor provider and returns the result and the log text.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultRunnerConfig, type RunnerConfig } from '../../src/config/runner-config.js'
import { runBuild } from '../../src/engine/build.js'
import { createTraceBuffer } from '../../src/engine/job-log/trace-buffer.js'
import type { BuildResult, JobControl } from '../../src/engine/types.js'
import type { ExecutorProvider } from '../../src/executors/executor.js'
import { createShellExecutorProvider } from '../../src/executors/shell/provider.js'
import { jobPayloadSchema, type JobPayloadInput } from '../../src/gitlab/job-payload.js'

export const JOB_TOKEN = 'glcbt-64_TestJobToken123456789'

export interface JobRunOutput {
  result: BuildResult
  /** The raw job log. */
  log: string
  /** The log without colour codes, \r markers and section lines. */
  text: string
}

export function stripAnsi(log: string): string {
  return log
    .replace(/section_(start|end):\d+:[^\r\n]*\r\x1b\[0K/g, '')
    .replace(/\x1b\[[0-9;]*[mK]/g, '')
}

export function basePayload(overrides: Partial<JobPayloadInput> = {}): JobPayloadInput {
  return {
    id: 1001,
    token: JOB_TOKEN,
    allow_git_fetch: true,
    job_info: { id: 1001, name: 'test', stage: 'test', project_id: 7, project_name: 'p', project_full_path: 'g/p' },
    git_info: { repo_url: '', ref: 'main', sha: '', before_sha: '', ref_type: 'branch', refspecs: [], depth: 0 },
    runner_info: { timeout: 60 },
    variables: [
      { key: 'CI_JOB_TOKEN', value: JOB_TOKEN, masked: true, public: false },
      { key: 'GIT_STRATEGY', value: 'none' },
    ],
    steps: [{ name: 'script', script: ['echo hello'], when: 'on_success' }],
    features: { trace_sections: true, failure_reasons: ['script_failure', 'job_execution_timeout', 'job_canceled', 'runner_system_failure'] },
    ...overrides,
  }
}

export interface RunJobOptions {
  payload: JobPayloadInput
  runner?: Partial<RunnerConfig>
  provider?: ExecutorProvider
  /** Called once the job has started, with functions to cancel or abort it. */
  control?: (handles: { cancel: () => void; abort: (reason: unknown) => void }) => void
  concurrentProjectId?: number
}

/** A scratch dir removed by the returned cleanup function. */
export function scratchDir(prefix = 'glr-engine-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))

  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export async function runJob(options: RunJobOptions): Promise<JobRunOutput> {
  const payload = jobPayloadSchema.parse(options.payload)
  const trace = createTraceBuffer()
  const cancel = new AbortController()
  const abort = new AbortController()
  options.control?.({ cancel: () => cancel.abort(), abort: (reason) => abort.abort(reason) })
  const control: JobControl = { cancel: cancel.signal, abort: abort.signal }

  const result = await runBuild({
    payload,
    runner: defaultRunnerConfig({ name: 'test-runner', token: 'glrt-t1_RunnerTokenAbc', url: 'http://127.0.0.1:1', feature_flags: { FF_TIMESTAMPS: false }, ...options.runner }),
    identity: { shortToken: 'RunnerTok', systemId: 's_0123456789ab', concurrentId: 0, concurrentProjectId: options.concurrentProjectId ?? 0 },
    executor: options.provider ?? createShellExecutorProvider({ gracefulKillMs: 1_000, forceKillMs: 2_000 }),
    trace,
    control,
    artifacts: {
      upload: async () => undefined,
      download: async () => undefined,
    },
  })
  const log = trace.read(0, trace.size).toString('utf8')
  trace.dispose()

  return { result, log, text: stripAnsi(log) }
}

/** A local repository with one commit on `main`; returns its file:// URL and the commit. */
export function createRepo(dir: string, files: Record<string, string> = { 'README.md': 'hello\n' }): { url: string; sha: string; path: string } {
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).trim()
  git('init', '-q', '-b', 'main')
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  git('add', '.')
  git('commit', '-q', '-m', 'first')

  return { url: `file://${dir}`, sha: git('rev-parse', 'HEAD'), path: dir }
}
