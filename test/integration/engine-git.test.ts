/**
 * get_sources against real git: the coordinator serves the repository over HTTP with
 * `gitlab-ci-token` auth, the engine runs the generated scripts with bash.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startCoordinator, type Coordinator, type JobSpec } from '../../src/coordinator/index.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'
import { createRepo, runJob, scratchDir, type JobRunOutput } from '../conformance/run-job.js'

const scratch = scratchDir('glr-git-')
let coordinator: Coordinator
let runnerToken = ''
const repoDir = join(scratch.dir, 'repo')
const subDir = join(scratch.dir, 'sub')
const builds = join(scratch.dir, 'builds')

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' },
  }).trim()
}

test.before(async () => {
  mkdirSync(repoDir)
  mkdirSync(subDir)
  createRepo(subDir, { 'sub.txt': 'from submodule\n' })
  createRepo(repoDir, { 'README.md': 'hello\n' })
  coordinator = await startCoordinator()
  coordinator.addProject({ path: 'group/project', repoDir })
  coordinator.addProject({ path: 'group/sub', repoDir: subDir, jobTokenAllowlist: ['group/project'] })
  git(repoDir, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', subDir, 'libs/sub')
  // A relative URL, as GitLab projects usually have: resolved against the served remote.
  git(repoDir, 'config', '-f', '.gitmodules', 'submodule.libs/sub.url', '../sub.git')
  git(repoDir, 'add', '.')
  git(repoDir, 'commit', '-q', '-m', 'add submodule')
  git(repoDir, 'checkout', '-q', '-b', 'feature/with-slash')
  writeFileSync(join(repoDir, 'feature.txt'), 'feature\n')
  git(repoDir, 'add', '.')
  git(repoDir, 'commit', '-q', '-m', 'feature')
  git(repoDir, 'tag', 'v1.0')
  git(repoDir, 'checkout', '-q', 'main')
  runnerToken = coordinator.createRunner().token
})

test.after(async () => {
  await coordinator.close()
  scratch.remove()
})

async function requestPayload(spec: Partial<JobSpec>): Promise<JobPayloadInput> {
  coordinator.enqueueJob({ project: 'group/project', script: ['ls -a; cat README.md'], ...spec })
  const response = await fetch(`${coordinator.url}/api/v4/jobs/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: runnerToken, system_id: 's_0123456789ab', info: { features: { refspecs: true } } }),
  })
  assert.equal(response.status, 201)

  return (await response.json()) as JobPayloadInput
}

async function job(spec: Partial<JobSpec>, variables: Record<string, string> = {}): Promise<JobRunOutput & { payload: JobPayloadInput }> {
  const payload = await requestPayload({ ...spec, variables: Object.entries(variables).map(([key, value]) => ({ key, value })) })
  const out = await runJob({ payload, runner: { builds_dir: builds, feature_flags: { FF_TIMESTAMPS: false } } })

  return { ...out, payload }
}

const projectDir = join(builds, 'RunnerTok/0/group/project')

test('fetch twice reuses the work tree: no fresh repository the second time, untracked files cleaned', async () => {
  const first = await job({}, { GIT_STRATEGY: 'fetch' })
  assert.equal(first.result.state, 'success', first.text)
  assert.ok(first.text.includes('Created fresh repository.\n'))
  assert.ok(first.text.includes('\nhello\n'))
  writeFileSync(join(projectDir, 'untracked.txt'), 'left over\n')

  const second = await job({}, { GIT_STRATEGY: 'fetch' })
  assert.equal(second.result.state, 'success', second.text)
  assert.ok(!second.text.includes('Created fresh repository.'))
  assert.ok(second.text.includes('Removing untracked.txt'))
  assert.equal(existsSync(join(projectDir, 'untracked.txt')), false)
})

test('the job token is never in .git/config nor in the log, and the credentials file is gone after the job', async () => {
  const out = await job({ script: ['test -n "$CI_JOB_TOKEN"', 'if grep -rqF "$CI_JOB_TOKEN" .git; then echo TOKEN-IN-GIT-DIR; else echo token-absent; fi'] }, { GIT_STRATEGY: 'clone' })
  assert.equal(out.result.state, 'success', out.text)
  const token = String(out.payload.token)
  assert.ok(out.text.includes('\ntoken-absent\n'))
  assert.ok(!out.log.includes(token))
  assert.equal(existsSync(`${projectDir}.tmp/.gitlab-runner.ext.conf`), false)
  assert.ok(out.text.includes('Created fresh repository.\n'))
})

test('a branch with slashes and a tag are checked out at their commits', async () => {
  const branch = await job({ ref: 'feature/with-slash' }, { GIT_STRATEGY: 'fetch' })
  assert.equal(branch.result.state, 'success', branch.text)
  assert.match(branch.text, /Checking out [0-9a-f]{8} as detached HEAD \(ref is feature\/with-slash\)\.\.\./)
  assert.ok(existsSync(join(projectDir, 'feature.txt')))

  const tag = await job({ ref: 'v1.0', refType: 'tag' }, { GIT_STRATEGY: 'fetch' })
  assert.equal(tag.result.state, 'success', tag.text)
  assert.equal(git(projectDir, 'rev-parse', 'HEAD'), git(repoDir, 'rev-parse', 'v1.0'))
})

test('depth makes a shallow clone and depth 0 unshallows it', async () => {
  const shallow = await job({ depth: 1 }, { GIT_STRATEGY: 'clone' })
  assert.ok(shallow.text.includes('Fetching changes with git depth set to 1...'), shallow.text)
  assert.ok(existsSync(join(projectDir, '.git/shallow')))

  const full = await job({ depth: 0 }, { GIT_STRATEGY: 'fetch' })
  assert.equal(full.result.state, 'success', full.text)
  assert.ok(full.text.includes('Fetching changes...\n'))
  assert.equal(existsSync(join(projectDir, '.git/shallow')), false)
})

test('a force-pushed branch is fetched and checked out at its new commit', async () => {
  await job({ ref: 'feature/with-slash' }, { GIT_STRATEGY: 'fetch' })
  git(repoDir, 'checkout', '-q', 'feature/with-slash')
  git(repoDir, 'commit', '-q', '--amend', '-m', 'rewritten')
  git(repoDir, 'checkout', '-q', 'main')
  const out = await job({ ref: 'feature/with-slash' }, { GIT_STRATEGY: 'fetch' })
  assert.equal(out.result.state, 'success', out.text)
  assert.equal(git(projectDir, 'rev-parse', 'HEAD'), git(repoDir, 'rev-parse', 'feature/with-slash'))
})

test('a dirty, locked and hooked work tree from a previous job cannot break or hijack the next fetch', async () => {
  await job({}, { GIT_STRATEGY: 'fetch' })
  const marker = join(scratch.dir, 'hijacked')
  writeFileSync(join(projectDir, 'README.md'), 'changed by a job\n')
  writeFileSync(join(projectDir, '.git/index.lock'), '')
  mkdirSync(join(projectDir, '.git/hooks'), { recursive: true })
  writeFileSync(join(projectDir, '.git/hooks/post-checkout'), `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 })
  git(projectDir, 'config', 'core.fsmonitor', `touch ${marker}; false`)
  git(projectDir, 'config', 'core.hooksPath', join(projectDir, '.git/hooks'))

  const out = await job({}, { GIT_STRATEGY: 'fetch' })
  assert.equal(out.result.state, 'success', out.text)
  assert.equal(readFileSync(join(projectDir, 'README.md'), 'utf8'), 'hello\n')
  assert.equal(existsSync(marker), false)
  assert.ok(!out.text.includes('Created fresh repository.'))
})

test('submodules are initialised with the parent credentials over HTTP', async () => {
  const out = await job({}, { GIT_STRATEGY: 'clone', GIT_SUBMODULE_STRATEGY: 'normal' })
  assert.equal(out.result.state, 'success', out.text)
  assert.ok(out.text.includes('Updating/initializing submodules with git depth set to 20...'))
  assert.equal(readFileSync(join(projectDir, 'libs/sub/sub.txt'), 'utf8'), 'from submodule\n')
  assert.ok(!out.log.includes(String(out.payload.token)))
})

test('GIT_STRATEGY=none runs no git and empty gives an empty -empty directory', async () => {
  const none = await job({}, { GIT_STRATEGY: 'none' })
  assert.ok(none.text.includes('Skipping Git repository setup\n'))
  assert.ok(!none.text.includes('Fetching changes'))

  const empty = await job({ script: ['ls -A | wc -l | tr -d " "; pwd'] }, { GIT_STRATEGY: 'empty' })
  assert.ok(empty.text.includes('Skipping Git repository setup and creating an empty build directory'))
  assert.match(empty.text, /\n0\n.*group\/project-empty\n/)
  assert.deepEqual(readdirSync(`${projectDir}-empty`), [])
})

test('an invalid submodule strategy fails get_sources for fetch', async () => {
  const out = await job({}, { GIT_STRATEGY: 'fetch', GIT_SUBMODULE_STRATEGY: 'bogus' })
  assert.equal(out.result.state, 'failed')
  assert.ok(out.text.includes("GIT_SUBMODULE_STRATEGY: expected either 'normal', 'recursive' or 'none' got \"bogus\""))
  assert.ok(out.text.includes('unknown GIT_SUBMODULE_STRATEGY'))
})
