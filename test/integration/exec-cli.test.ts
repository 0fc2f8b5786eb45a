import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { gitEnv, glrunnerArgs, repoWith as makeRepo, runGlrunner as glrunner } from '../helpers/glrunner-cli.js'



const repoWith = (files: Record<string, string>) => makeRepo(files)
const PIPELINE = `
stages: [build, test]
build:
  stage: build
  script:
    - echo "built from $(cat input.txt)" > out.txt
  artifacts:
    paths: [out.txt]
test:
  stage: test
  script:
    - cat out.txt
    - grep -q uncommitted out.txt
flaky:
  stage: test
  needs: []
  allow_failure: true
  script: [exit 3]
`

test('exec runs the pipeline with uncommitted changes, passes artifacts, and writes a summary', async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': PIPELINE, 'input.txt': 'committed\n' })
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
  const repo = await repoWith({ '.gitlab-ci.yml': PIPELINE, 'input.txt': 'committed\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const result = await glrunner(['exec', 'test', '--summary-json', join(repo, 's.json')], repo)

  assert.equal(result.code, 1)
  const summary = JSON.parse(await readFile(join(repo, 's.json'), 'utf8')) as { status: string; jobs: Array<{ name: string; status: string }> }
  assert.deepEqual(summary.jobs.map((job) => job.name), ['build', 'test'])
  assert.equal(summary.status, 'failed')
})

test('exec --list-json prints the jobs with stage, when, allow_failure and needs', async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': PIPELINE, 'input.txt': 'x\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const result = await glrunner(['exec', '--list-json'], repo)

  assert.equal(result.code, 0, result.stderr)
  assert.deepEqual(JSON.parse(result.stdout), [
    { name: 'build', stage: 'build', when: 'on_success', allow_failure: false, needs: null },
    { name: 'test', stage: 'test', when: 'on_success', allow_failure: false, needs: null },
    { name: 'flaky', stage: 'test', when: 'on_success', allow_failure: true, needs: [] },
  ])
})

test('exec stops before running anything when the CI file is invalid, naming the file and key', async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': 'build:\n  stage: build\n  scrip: [echo hi]\n', 'input.txt': 'x\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const result = await glrunner(['exec'], repo)

  assert.equal(result.code, 1)
  assert.match(result.stderr, /^ERROR: \.gitlab-ci\.yml is invalid:/m)
  assert.match(result.stderr, /\.gitlab-ci\.yml.*build/)
  assert.doesNotMatch(result.stdout, /Running with glrunner/)
})

test('exec names the known jobs when asked for one that does not exist', async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': PIPELINE, 'input.txt': 'x\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const result = await glrunner(['exec', 'deploy'], repo)

  assert.equal(result.code, 1)
  assert.match(result.stderr, /ERROR: job "deploy" is not in the pipeline/)
  assert.match(result.stderr, /Hint: Jobs in this pipeline: build, test, flaky/)
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

test('SIGINT during exec cancels like GitLab: the running job stops, runs after_script, leaves no process; later jobs are canceled; the summary is printed', async (t) => {
  const marker = `glr-sigint-${process.pid}-${Date.now()}`
  const repo = await repoWith({
    '.gitlab-ci.yml': `
stages: [a, b]
slow:
  stage: a
  script:
    - sh -c 'sleep 300; true' ${marker}-a & sh -c 'sleep 301; true' ${marker}-b; wait
  after_script:
    - echo "after_script saw $CI_JOB_STATUS"
later:
  stage: b
  script: [echo never]
`,
  })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const child = spawn(process.execPath, glrunnerArgs(['exec', '--summary-json', join(repo, 's.json')]), { cwd: repo, env: { ...process.env, NO_COLOR: '1' } })
  let stdout = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const deadline = Date.now() + 30_000
  while (!stdout.includes('$ sh -c') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
  child.kill('SIGINT')

  assert.equal(await exited, 130, stdout)
  assert.match(stdout, /SIGINT: canceling the pipeline/)
  assert.match(stdout, /slow +\| after_script saw canceled$/m)
  const summary = JSON.parse(await readFile(join(repo, 's.json'), 'utf8')) as { jobs: Array<{ name: string; status: string }> }
  assert.deepEqual(summary.jobs.map((job) => [job.name, job.status]), [['slow', 'canceled'], ['later', 'canceled']])
  const ours = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(marker))
  assert.deepEqual(ours, [], 'no process of the job is left')
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

test('exec refuses a --summary-json path it could not write before running anything', async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': PIPELINE, 'input.txt': 'x\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const result = await glrunner(['exec', '--summary-json', '/nonexistent-dir/s.json'], repo)

  assert.equal(result.code, 1)
  assert.match(result.stderr, /ERROR: --summary-json \/nonexistent-dir\/s\.json: cannot write in \/nonexistent-dir/)
  assert.doesNotMatch(result.stdout, /Running with glrunner/)
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

test('exec --preview prints the pipeline as GitLab-style YAML with extends and default applied', async (t) => {
  const repo = await repoWith({
    '.gitlab-ci.yml': `
default:
  before_script: [echo setup]
.base:
  stage: test
  variables: { MODE: fast }
  retry: 2
unit:
  extends: .base
  script: [make test]
  needs: []
`,
  })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const result = await glrunner(['exec', '--preview'], repo)

  assert.equal(result.code, 0, result.stderr)
  const { parse } = await import('yaml')
  assert.deepEqual(parse(result.stdout), {
    stages: ['test'],
    unit: { stage: 'test', variables: { MODE: 'fast' }, before_script: ['echo setup'], script: ['make test'], needs: [], retry: 2 },
  })
})

test('exec options: --variable wins over YAML, --manual plays a manual job, --only-needs skips the named job, --file and --cwd pick the pipeline, --clean removes the state', async (t) => {
  const repo = await repoWith({
    'ci/other.yml': `
variables: { WHO: yaml }
prep:
  stage: build
  script: ['echo prep says $WHO']
main:
  stage: test
  needs: [prep]
  script: ['echo main says $WHO']
deploy:
  stage: deploy
  when: manual
  script: ['echo deploying']
`,
  })
  t.after(() => rm(repo, { recursive: true, force: true }))
  const elsewhere = tmpdir()

  const withVariable = await glrunner(['exec', '--cwd', repo, '--file', 'ci/other.yml', '--variable', 'WHO=cli', '--summary-json', join(repo, 's1.json')], elsewhere)
  assert.equal(withVariable.code, 0, withVariable.stderr)
  assert.match(withVariable.stdout, /prep +\| prep says cli$/m)
  const first = JSON.parse(await readFile(join(repo, 's1.json'), 'utf8')) as { jobs: Array<{ name: string; status: string }> }
  assert.deepEqual(first.jobs.map((job) => [job.name, job.status]), [['prep', 'success'], ['main', 'success'], ['deploy', 'manual']])

  const manual = await glrunner(['exec', '--cwd', repo, '--file', 'ci/other.yml', '--manual', 'deploy'], elsewhere)
  assert.match(manual.stdout, /deploy +\| deploying$/m)

  const onlyNeeds = await glrunner(['exec', 'main', '--only-needs', '--cwd', repo, '--file', 'ci/other.yml'], elsewhere)
  assert.match(onlyNeeds.stdout, /prep +\| prep says yaml$/m)
  assert.doesNotMatch(onlyNeeds.stdout, /main says/)

  const clean = await glrunner(['exec', '--clean', '--cwd', repo], elsewhere)
  assert.match(clean.stdout, /^removed .*\.glrunner$/m)
  await assert.rejects(stat(join(repo, '.glrunner')))
})

test('exec counts CI_PIPELINE_ID up per run and refuses a second run in the same repository while one is going', async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': 'job:\n  script: ["echo pipeline=$CI_PIPELINE_ID", "sleep 4"]\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const first = glrunner(['exec'], repo)
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline && !(await stat(join(repo, '.glrunner', 'run.lock')).then(() => true, () => false))) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const second = await glrunner(['exec'], repo)
  assert.equal(second.code, 1)
  assert.match(second.stderr, /ERROR: another glrunner exec \(pid \d+\) is running in this repository/)

  const firstResult = await first
  assert.equal(firstResult.code, 0, firstResult.stderr)
  assert.match(firstResult.stdout, /job +\| pipeline=1$/m)
  const third = await glrunner(['exec'], repo)
  assert.match(third.stdout, /job +\| pipeline=2$/m)
})

test('exec jobs run with the terminal environment as it is, not a login profile on top', async (t) => {
  const repo = await repoWith({
    '.gitlab-ci.yml': 'show:\n  script:\n    - echo "terminal=$TERMINAL_ONLY profile=${FROM_PROFILE:-unset} path=$PATH"\n',
  })
  const home = await mkdtemp(join(tmpdir(), 'glrunner-exec-home-'))
  t.after(() => Promise.all([rm(repo, { recursive: true, force: true }), rm(home, { recursive: true, force: true })]))
  // A login shell would read these and replace PATH; the job must not see either.
  const profile = 'export FROM_PROFILE=yes\nexport PATH=/profile-only/bin:/usr/bin:/bin\n'
  await Promise.all(['.profile', '.bash_profile', '.bash_login'].map((name) => writeFile(join(home, name), profile)))

  const result = await glrunner(['exec'], repo, { HOME: home, TERMINAL_ONLY: 'from-terminal' })

  assert.equal(result.code, 0, result.stdout + result.stderr)
  assert.match(result.stdout, /^show\s+\| terminal=from-terminal profile=unset path=(.*)$/m)
  assert.doesNotMatch(result.stdout, /profile-only/)
})

test('exec --include-map reads remote and project includes from local files, and without it names the flag to use', async (t) => {
  const shared = await mkdtemp(join(tmpdir(), 'glrunner-shared-ci-'))
  const repo = await repoWith({
    '.gitlab-ci.yml': [
      'include:',
      '  - remote: https://ci.example.com/templates/lint.yml',
      '  - project: platform/ci-templates',
      '    file: /jobs/test.yml',
      '',
    ].join('\n'),
    'mirror/lint.yml': 'lint:\n  script: [echo lint from the mapped remote]\n',
  })
  t.after(() => Promise.all([rm(repo, { recursive: true, force: true }), rm(shared, { recursive: true, force: true })]))
  await mkdir(join(shared, 'jobs'))
  await writeFile(join(shared, 'jobs', 'test.yml'), 'unit:\n  script: [echo unit from the mapped project]\n')

  const unmapped = await glrunner(['exec', '--list'], repo)
  assert.equal(unmapped.code, 1)
  assert.match(unmapped.stderr, /Included remote file `https:\/\/ci\.example\.com\/templates\/lint\.yml` is not available offline; map it to a local file \(glrunner exec --include-map 'https:\/\/ci\.example\.com\/templates\/lint\.yml=<path>'\)/)

  const result = await glrunner([
    'exec',
    '--include-map', 'https://ci.example.com/templates/lint.yml=mirror/lint.yml',
    '--include-map', `platform/ci-templates=${shared}`,
  ], repo)

  assert.equal(result.code, 0, result.stdout + result.stderr)
  assert.match(result.stdout, /^lint\s+\| lint from the mapped remote$/m)
  assert.match(result.stdout, /^unit\s+\| unit from the mapped project$/m)

  const malformed = await glrunner(['exec', '--list', '--include-map', 'no-equals-sign'], repo)
  assert.equal(malformed.code, 1)
  assert.match(malformed.stderr, /--include-map "no-equals-sign" is not LOCATION=PATH/)
})
