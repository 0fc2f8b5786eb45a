/**
 * exec runs pipelines: uncommitted changes, one job with its needs, child pipelines, a reused
 * checkout, odd HEADs. Split by concern so each file stays far from the per-file timeout.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { EXEC_PIPELINE } from '../helpers/exec-pipeline.js'
import { gitEnv, repoWith, runGlrunner as glrunner } from '../helpers/glrunner-cli.js'

test('exec runs the pipeline with uncommitted changes, passes artifacts, and writes a summary', async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': EXEC_PIPELINE, 'input.txt': 'committed\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))
  await writeFile(join(repo, 'input.txt'), 'uncommitted\n')

  const summaryPath = join(repo, 'summary.json')
  const result = await glrunner(['exec', '--summary-json', summaryPath], repo)

  assert.equal(result.code, 0, result.stdout + result.stderr)
  assert.match(result.stdout, /^test\s+\| built from uncommitted$/m)
  assert.match(result.stdout, /pipeline success/)
  const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as { status: string; jobs: Array<{ name: string; status: string; exit_code: number | null }> }
  assert.equal(summary.status, 'success')
  assert.deepEqual(
    summary.jobs.map((job) => [job.name, job.status, job.exit_code]),
    [['build', 'success', null], ['test', 'success', null], ['flaky', 'failed', 3]],
  )
  assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' }), ' M input.txt\n?? summary.json\n')
  assert.ok((await stat(join(repo, '.glrunner', 'logs'))).isDirectory())
})

test('exec with a job name runs that job and what it needs, and fails when the job fails', async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': EXEC_PIPELINE, 'input.txt': 'committed\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const result = await glrunner(['exec', 'test', '--summary-json', join(repo, 's.json')], repo)

  assert.equal(result.code, 1)
  const summary = JSON.parse(await readFile(join(repo, 's.json'), 'utf8')) as { status: string; jobs: Array<{ name: string; status: string }> }
  assert.deepEqual(summary.jobs.map((job) => job.name), ['build', 'test'])
  assert.equal(summary.status, 'failed')
})

test('exec runs child pipelines of trigger jobs: strategy depend mirrors the child, include:artifact reads a generated file', async (t) => {
  const repo = await repoWith({
    '.gitlab-ci.yml': `
stages: [build, deploy]
gen:
  stage: build
  script:
    - |
      printf 'generated:\\n  script: ["echo generated child says $GREETING"]\\n' > child.yml
  artifacts:
    paths: [child.yml]
static:
  stage: deploy
  variables:
    GREETING: hi
  trigger:
    include: child-static.yml
    strategy: depend
dynamic:
  stage: deploy
  variables:
    GREETING: hey
  trigger:
    include:
      - artifact: child.yml
        job: gen
`,
    'child-static.yml': 'ok:\n  script: ["echo static child says $GREETING"]\nbroken:\n  script: ["exit 4"]\n',
  })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const result = await glrunner(['exec', '--summary-json', join(repo, 's.json')], repo)

  const summary = JSON.parse(await readFile(join(repo, 's.json'), 'utf8')) as { status: string; jobs: Array<{ name: string; status: string }> }
  assert.deepEqual(
    Object.fromEntries(summary.jobs.map((job) => [job.name, job.status])),
    { gen: 'success', static: 'failed', dynamic: 'success', 'static > ok': 'success', 'static > broken': 'failed', 'dynamic > generated': 'success' },
  )
  assert.match(result.stdout, /static > ok\s+\| static child says hi$/m)
  assert.match(result.stdout, /dynamic > generated\s+\| generated child says hey$/m)
  assert.equal(summary.status, 'failed')
  assert.equal(result.code, 1)
})

test('exec reuses its checkout between runs and keeps one log file per job even when names sanitise alike', async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': '"a b":\n  script: [echo one]\n"a/b":\n  script: [echo two]\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))

  for (let run = 0; run < 2; run++) assert.equal((await glrunner(['exec'], repo)).code, 0)

  const { readdir } = await import('node:fs/promises')
  assert.equal((await readdir(join(repo, '.glrunner', 'builds'))).length, 1, 'one runner folder for every run')
  const runs = await readdir(join(repo, '.glrunner', 'logs'))
  const logs = await readdir(join(repo, '.glrunner', 'logs', runs[0] as string))
  assert.deepEqual(logs.sort(), ['a_b-2.log', 'a_b.log', 'jobs.json'])
})

test('exec runs on a detached HEAD, at a tag, and in a repository without commits', async (t) => {
  const ci = 'show:\n  script: ["echo ref=$CI_COMMIT_REF_NAME tag=$CI_COMMIT_TAG", "cat file.txt"]\n'
  const repo = await repoWith({ '.gitlab-ci.yml': ci, 'file.txt': 'content\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))

  execFileSync('git', ['tag', 'v1.0'], { cwd: repo, env: gitEnv })
  execFileSync('git', ['checkout', '-q', '--detach'], { cwd: repo, env: gitEnv })
  const atTag = await glrunner(['exec'], repo)
  assert.equal(atTag.code, 0, atTag.stdout + atTag.stderr)
  assert.match(atTag.stdout, /show\s+\| ref=v1\.0 tag=v1\.0$/m)

  const fresh = await mkdtemp(join(tmpdir(), 'glr-exec-nocommit-'))
  t.after(() => rm(fresh, { recursive: true, force: true }))
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: fresh, env: gitEnv })
  await writeFile(join(fresh, '.gitlab-ci.yml'), ci)
  await writeFile(join(fresh, 'file.txt'), 'not committed yet\n')
  const noCommit = await glrunner(['exec'], fresh)
  assert.equal(noCommit.code, 0, noCommit.stdout + noCommit.stderr)
  assert.match(noCommit.stdout, /show\s+\| not committed yet$/m)
})
