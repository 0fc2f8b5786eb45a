import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { jobPayloadSchema, type JobPayload } from '../../src/gitlab/job-payload.js'
import { call, fixture, git, runnerInfo, takeJob, type Fixture } from './support.js'

let f: Fixture
let work: string

before(async () => {
  f = await fixture()
  work = await mkdtemp(join(tmpdir(), 'glrunner-coord-clone-'))
})
after(async () => {
  await f.close()
  await rm(work, { recursive: true, force: true })
})

/**
 * Runs git without any credential helper or prompt, returning status and stderr.
 * Asynchronous on purpose: the coordinator answering it runs in this same process.
 */
function tryGit(cwd: string, args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('git', ['-c', 'credential.helper=', ...args], {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '', GIT_CONFIG_NOSYSTEM: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 20_000,
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('close', (status) => resolve({ status, stderr }))
  })
}

async function runningPayload(options: { depth?: number } = {}): Promise<JobPayload> {
  const tag = `t${Math.random().toString(36).slice(2)}`
  const runner = f.coordinator.createRunner({ tags: [tag], runUntagged: false })
  f.coordinator.enqueueJob({ project: f.projectId, tags: [tag], script: ['true'], ...options })

  return jobPayloadSchema.parse(await takeJob(f.coordinator.url, runner.token))
}

test('a running job fetches its refspecs over smart HTTP with its job token, as a runner does', async () => {
  const payload = await runningPayload()
  const dir = join(work, 'fetch')
  git(work, ['init', '-q', dir])
  git(dir, ['remote', 'add', 'origin', payload.git_info.repo_url])
  const fetched = await tryGit(dir, ['fetch', '-q', '--depth', String(payload.git_info.depth), 'origin', ...payload.git_info.refspecs])
  assert.equal(fetched.status, 0, fetched.stderr)

  git(dir, ['checkout', '-q', '-f', payload.git_info.sha])
  assert.equal(await readFile(join(dir, 'README.md'), 'utf8'), 'second\n')
  assert.equal(git(dir, ['rev-parse', `refs/pipelines/${payload.job_info.pipeline_id}`]), f.repo.sha)
  assert.equal(git(dir, ['rev-parse', 'refs/remotes/origin/main']), f.repo.sha)
})

test('a full clone (depth 0) brings every branch and tag', async () => {
  const payload = await runningPayload({ depth: 0 })
  const dir = join(work, 'full')
  git(work, ['init', '-q', dir])
  const fetched = await tryGit(dir, ['fetch', '-q', payload.git_info.repo_url, ...payload.git_info.refspecs])
  assert.equal(fetched.status, 0, fetched.stderr)

  assert.equal(git(dir, ['rev-parse', 'refs/tags/v1.0']), f.repo.sha)
  assert.equal(git(dir, ['rev-parse', 'refs/remotes/origin/feature']), git(f.repo.dir, ['rev-parse', 'feature']))
})

test('cloning without credentials, with a wrong token or with the token of a finished job is refused', async () => {
  const payload = await runningPayload()
  const plain = `${f.coordinator.url}/group/app.git`
  const wrong = plain.replace('http://', 'http://gitlab-ci-token:glcbt-wrong@')

  const anonymous = await call(f.coordinator.url, 'GET', '/group/app.git/info/refs?service=git-upload-pack')
  assert.equal(anonymous.status, 401)
  assert.equal(anonymous.headers['www-authenticate'], 'Basic realm="GitLab"')
  for (const url of [plain, wrong]) {
    const result = await tryGit(work, ['ls-remote', url])
    assert.notEqual(result.status, 0)
    assert.match(result.stderr, /Authentication failed|could not read Username|401/)
  }

  await call(f.coordinator.url, 'PUT', `/api/v4/jobs/${payload.id}`, { json: { token: payload.token, state: 'success', info: runnerInfo() } })
  assert.notEqual((await tryGit(work, ['ls-remote', payload.git_info.repo_url])).status, 0)
})

test('the served repository is read-only and unknown projects are 404', async () => {
  const payload = await runningPayload()
  const dir = join(work, 'push')
  git(work, ['init', '-q', dir])
  git(dir, ['commit', '-q', '--allow-empty', '-m', 'x'])
  const pushed = await tryGit(dir, ['push', payload.git_info.repo_url, 'HEAD:refs/heads/evil'])
  assert.notEqual(pushed.status, 0)
  assert.equal(spawnSync('git', ['rev-parse', '--verify', '--quiet', 'refs/heads/evil'], { cwd: f.repo.dir }).status, 1)

  const auth = `Basic ${Buffer.from(`gitlab-ci-token:${payload.token}`).toString('base64')}`
  const missing = await call(f.coordinator.url, 'GET', '/group/nothing.git/info/refs?service=git-upload-pack', { headers: { authorization: auth } })
  assert.equal(missing.status, 404)
})
