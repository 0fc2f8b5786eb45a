import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defaultRunnerConfig } from '../config/runner-config.js'
import { jobPayloadSchema } from '../gitlab/job-payload.js'
import { createShellExecutorProvider } from '../executors/shell/provider.js'
import { computeBuildPaths, projectSlug } from './builds-dir.js'

test('the slug comes from the repository path and falls back to project-<id> for odd URLs', () => {
  assert.equal(projectSlug('https://gitlab-ci-token:x@h.example/group/sub/proj.git', 3), 'group/sub/proj')
  // The URL parser already resolves dot segments; encoded slashes are decoded and rejected.
  assert.equal(projectSlug('https://h.example/a/%2e%2e/%2e%2e/etc.git', 3), 'etc')
  assert.equal(projectSlug('https://h.example/a%2F..%2F..%2Fetc.git', 3), 'project-3')
  assert.equal(projectSlug('file:///srv/repo', 3), 'project-3')
  assert.equal(projectSlug('not a url', 4), 'project-4')
})

const payload = jobPayloadSchema.parse({ id: 1, token: 't', git_info: { repo_url: 'https://h/g/p.git' }, job_info: { project_id: 9 } })
const provider = createShellExecutorProvider()

test('shared builds dirs use token, concurrency slot and slug; empty strategy adds -empty', () => {
  const runner = defaultRunnerConfig({ builds_dir: '/b', cache_dir: '/c' })
  const paths = computeBuildPaths({ payload, runner, provider, shortToken: 'Tok', concurrentProjectId: 1, emptyStrategy: true, clonePath: '' })
  assert.deepEqual(paths, { buildsDir: '/b', projectDir: '/b/Tok/1/g/p-empty', tmpDir: '/b/Tok/1/g/p-empty.tmp', cacheDir: '/c/g/p' })
})

test('GIT_CLONE_PATH needs custom_build_dir and must stay inside the builds dir', () => {
  const base = { payload, provider, shortToken: 'Tok', concurrentProjectId: 0, emptyStrategy: false }
  assert.throws(() => computeBuildPaths({ ...base, runner: defaultRunnerConfig({ builds_dir: '/b' }), clonePath: '/b/x' }), /enable `custom_build_dir`/)
  const runner = defaultRunnerConfig({ builds_dir: '/b', custom_build_dir: { enabled: true } })
  assert.equal(computeBuildPaths({ ...base, runner, clonePath: '/b/x/y' }).projectDir, '/b/x/y')
  assert.throws(() => computeBuildPaths({ ...base, runner, clonePath: '/b/../etc' }), /has to be within "\/b"/)
})
