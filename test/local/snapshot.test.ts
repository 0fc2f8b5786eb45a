import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { snapshotWorkTree } from '../../src/local/snapshot.js'

const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' }
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim()

async function makeRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'glr-snap-'))
  git(dir, 'init', '-q', '-b', 'main')
  await writeFile(join(dir, 'tracked.txt'), 'v1\n')
  await writeFile(join(dir, '.gitignore'), 'ignored.txt\n')
  git(dir, 'add', '.')
  git(dir, 'commit', '-qm', 'first')

  return dir
}

test('a snapshot includes uncommitted and untracked files but not ignored ones, and leaves the user repository alone', async (t) => {
  const repo = await makeRepo()
  const state = await mkdtemp(join(tmpdir(), 'glr-state-'))
  t.after(() => Promise.all([rm(repo, { recursive: true, force: true }), rm(state, { recursive: true, force: true })]))

  await writeFile(join(repo, 'tracked.txt'), 'v2 uncommitted\n')
  await writeFile(join(repo, 'new.txt'), 'untracked\n')
  await writeFile(join(repo, 'ignored.txt'), 'secret\n')
  git(repo, 'add', 'tracked.txt')
  const indexBefore = await readFile(join(repo, '.git', 'index'))
  const headBefore = git(repo, 'rev-parse', 'HEAD')
  const objectsBefore = git(repo, 'count-objects')

  const snapshot = await snapshotWorkTree({ projectDir: repo, stateDir: state })

  assert.equal(snapshot.dirty, true)
  assert.equal(snapshot.branch, 'main')
  assert.equal(git(snapshot.repoDir, 'show', `${snapshot.sha}:tracked.txt`), 'v2 uncommitted')
  assert.equal(git(snapshot.repoDir, 'show', `${snapshot.sha}:new.txt`), 'untracked')
  assert.throws(() => git(snapshot.repoDir, 'show', `${snapshot.sha}:ignored.txt`))
  assert.equal(git(snapshot.repoDir, 'rev-parse', 'refs/heads/main'), snapshot.sha)
  assert.equal(git(snapshot.repoDir, 'rev-parse', `${snapshot.sha}^`), headBefore)

  assert.deepEqual(await readFile(join(repo, '.git', 'index')), indexBefore)
  assert.equal(git(repo, 'rev-parse', 'HEAD'), headBefore)
  assert.equal(git(repo, 'count-objects'), objectsBefore)
  assert.equal(git(repo, 'status', '--porcelain'), 'M  tracked.txt\n?? new.txt'.trim())
})

test('a clean work tree is served as its HEAD commit', async (t) => {
  const repo = await makeRepo()
  const state = await mkdtemp(join(tmpdir(), 'glr-state-'))
  t.after(() => Promise.all([rm(repo, { recursive: true, force: true }), rm(state, { recursive: true, force: true })]))

  const snapshot = await snapshotWorkTree({ projectDir: repo, stateDir: state })

  assert.equal(snapshot.dirty, false)
  assert.equal(snapshot.sha, git(repo, 'rev-parse', 'HEAD'))
})

test('a folder outside any git repository is refused with a hint', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'glr-nogit-'))
  t.after(() => rm(dir, { recursive: true, force: true }))

  await assert.rejects(snapshotWorkTree({ projectDir: dir, stateDir: join(dir, '.state') }), /is not inside a git repository/)
})
