import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { compilePipeline, GitContextError, ZERO_SHA } from '../../src/pipeline/index.js'
import type { CompileResult } from '../../src/pipeline/index.js'
import { commitAll, expectPlan, gitIn, job, makeRepo, vars, writeFiles } from './helpers/repo.js'

const YAML = 'job:\n  script: echo $CI_COMMIT_REF_NAME\n  rules:\n    - if: $CI_COMMIT_BRANCH || $CI_COMMIT_TAG\n'

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'glr-git-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))

  return dir
}

function refVariables(result: CompileResult): Record<string, string | undefined> {
  const values = vars(job(result, 'job'))

  return { branch: values.CI_COMMIT_BRANCH, ref: values.CI_COMMIT_REF_NAME, tag: values.CI_COMMIT_TAG }
}

test('on a detached HEAD that exactly one local branch points at, the pipeline runs for that branch without a warning', async (t) => {
  const dir = makeRepo(t, { '.gitlab-ci.yml': YAML }, { branch: 'feature' })
  gitIn(dir, ['checkout', '-q', '--detach'])
  const result = await compilePipeline({ projectDir: dir })
  assert.deepEqual(refVariables(result), { branch: 'feature', ref: 'feature', tag: undefined })
  assert.deepEqual(result.warnings, [])
})

test('on a detached HEAD that no branch points at, the ref is the short sha and a warning says so', async (t) => {
  const dir = makeRepo(t, { '.gitlab-ci.yml': YAML })
  const first = gitIn(dir, ['rev-parse', 'HEAD']).trim()
  commitAll(dir, 'second')
  gitIn(dir, ['checkout', '-q', '--detach', first])
  const result = await compilePipeline({ projectDir: dir })
  const short = first.slice(0, 8)
  assert.deepEqual(refVariables(result), { branch: short, ref: short, tag: undefined })
  assert.equal(expectPlan(result).git.sha, first)
  assert.deepEqual(result.warnings, [
    `HEAD is detached at ${short} and no local branch points at it: the pipeline runs as a branch pipeline for ref ${short}; check out a branch (git switch <branch>) to run it for that branch`,
  ])
})

test('on a detached HEAD that several branches point at, the ref is the short sha and the warning names the branches', async (t) => {
  const dir = makeRepo(t, { '.gitlab-ci.yml': YAML })
  gitIn(dir, ['branch', 'other'])
  gitIn(dir, ['checkout', '-q', '--detach'])
  const result = await compilePipeline({ projectDir: dir })
  const short = expectPlan(result).git.sha.slice(0, 8)
  assert.equal(refVariables(result).ref, short)
  assert.match(result.warnings.join('\n'), /several local branches point at it \(main, other\)/)
})

test('on a detached HEAD at a tag, the pipeline is a tag pipeline', async (t) => {
  const dir = makeRepo(t, { '.gitlab-ci.yml': YAML })
  gitIn(dir, ['tag', 'v1.2.3'])
  gitIn(dir, ['checkout', '-q', '--detach'])
  const result = await compilePipeline({ projectDir: dir })
  assert.deepEqual(refVariables(result), { branch: undefined, ref: 'v1.2.3', tag: 'v1.2.3' })
  assert.deepEqual(result.warnings, [])
})

test('a repository without commits compiles with the zero sha, its branch, its work-tree files and a warning', async (t) => {
  const dir = tempDir(t)
  gitIn(dir, ['init', '-q', '-b', 'trunk'])
  appendFileSync(join(dir, '.git', 'config'), '[user]\n\tname = Ada\n\temail = ada@example.com\n')
  writeFiles(dir, { '.gitlab-ci.yml': 'job:\n  script: echo\n  rules: [{exists: [src/app.txt]}]\n', 'src/app.txt': 'x\n' })
  const result = await compilePipeline({ projectDir: dir })
  const plan = expectPlan(result)
  assert.equal(plan.git.sha, ZERO_SHA)
  assert.equal(plan.git.branch, 'trunk')
  assert.equal(plan.git.message, '')
  assert.deepEqual(plan.jobs.map((j) => j.name), ['job'])
  assert.deepEqual(result.warnings, [
    `the repository has no commits yet: the pipeline runs for the work tree as it is, with CI_COMMIT_SHA ${ZERO_SHA} and an empty commit message`,
  ])
})

test('a repository without commits takes the sha its caller gives (a snapshot kept elsewhere), without a warning', async (t) => {
  const dir = tempDir(t)
  gitIn(dir, ['init', '-q', '-b', 'main'])
  writeFiles(dir, { '.gitlab-ci.yml': 'job:\n  script: echo\n  rules: [{exists: [src/app.txt]}]\n', 'src/app.txt': 'x\n' })
  const sha = 'a'.repeat(40)
  const result = await compilePipeline({ projectDir: dir, git: { sha } })
  assert.equal(vars(job(result, 'job')).CI_COMMIT_SHA, sha)
  assert.deepEqual(result.warnings, [])
})

test('a folder outside any git work tree is refused with a hint the exec command can follow', async (t) => {
  const dir = tempDir(t)
  writeFiles(dir, { '.gitlab-ci.yml': 'job: {script: echo}\n' })
  await assert.rejects(compilePipeline({ projectDir: dir }), (error: unknown) => {
    assert.ok(error instanceof GitContextError)
    assert.equal(error.message, `reading HEAD of ${dir}: not a git work tree`)
    assert.match(error.hint ?? '', /--cwd/)

    return true
  })
})
