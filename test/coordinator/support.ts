/**
 * Shared pieces of the coordinator tests: a small git repository on disk and a thin
 * HTTP client over undici that returns status, headers and the body.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { startCoordinator, type Coordinator, type CoordinatorOptions } from '../../src/coordinator/index.js'

export interface TestRepo {
  dir: string
  /** sha of `main` (also tagged v1.0). */
  sha: string
  cleanup: () => Promise<void>
}

export function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test Author',
      GIT_AUTHOR_EMAIL: 'author@example.com',
      GIT_COMMITTER_NAME: 'Test Author',
      GIT_COMMITTER_EMAIL: 'author@example.com',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
    },
  }).trim()
}

/** A non-bare repository with two commits on `main`, tag `v1.0` and branch `feature`. */
export async function makeRepo(): Promise<TestRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'glrunner-coord-repo-'))
  git(dir, ['init', '-q', '-b', 'main'])
  await writeFile(join(dir, 'README.md'), 'first\n')
  git(dir, ['add', 'README.md'])
  git(dir, ['commit', '-q', '-m', 'First commit'])
  git(dir, ['branch', 'feature'])
  await writeFile(join(dir, 'README.md'), 'second\n')
  git(dir, ['commit', '-q', '-am', 'Second commit\n\nWith a body.'])
  git(dir, ['tag', 'v1.0'])

  return { dir, sha: git(dir, ['rev-parse', 'HEAD']), cleanup: () => rm(dir, { recursive: true, force: true }) }
}

export interface Answer {
  status: number
  headers: Record<string, string>
  text: string
  json: unknown
}

export interface CallOptions {
  json?: unknown
  body?: string | Buffer
  headers?: Record<string, string>
}

export async function call(base: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) }
  let body: string | Buffer | undefined = options.body
  if (options.json !== undefined) {
    body = JSON.stringify(options.json)
    headers['content-type'] ??= 'application/json'
  }
  const res = await request(new URL(path, base), { method: method as 'GET', headers, body })
  const text = await res.body.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  const flat = Object.fromEntries(Object.entries(res.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]))

  return { status: res.statusCode, headers: flat, text, json }
}

/** Runner `info` with the features the tests care about. */
export function runnerInfo(features: Record<string, boolean> = {}): Record<string, unknown> {
  return {
    name: 'glrunner',
    version: '0.1.0',
    platform: 'linux',
    architecture: 'amd64',
    executor: 'shell',
    features: { cancel_gracefully: true, two_phase_job_commit: false, ...features },
    config: { gpus: '' },
  }
}

export interface Fixture {
  coordinator: Coordinator
  repo: TestRepo
  projectId: number
  runner: { id: number; token: string }
  close: () => Promise<void>
}

/** A coordinator with one project (group/app) and one untagged runner. */
export async function fixture(options: CoordinatorOptions = {}): Promise<Fixture> {
  const coordinator = await startCoordinator(options)
  const repo = await makeRepo()
  const project = coordinator.addProject({ path: 'group/app', repoDir: repo.dir })
  const runner = coordinator.createRunner({ description: 'test runner' })

  return {
    coordinator,
    repo,
    projectId: project.id,
    runner,
    close: async () => {
      await coordinator.close()
      await repo.cleanup()
    },
  }
}

/** Requests a job for `token` and returns the payload; fails the test when none comes. */
export async function takeJob(base: string, token: string, info = runnerInfo()): Promise<Record<string, unknown>> {
  const answer = await call(base, 'POST', '/api/v4/jobs/request', { json: { token, info } })
  if (answer.status !== 201) throw new Error(`expected a job, got ${answer.status} ${answer.text}`)

  return answer.json as Record<string, unknown>
}
