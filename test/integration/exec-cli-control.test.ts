/**
 * exec under control of the user: Ctrl-C, options, one run per repository, the terminal's
 * environment. Split by concern so each file stays far from the per-file timeout.
 */
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { glrunnerArgs, repoWith, runGlrunner as glrunner } from '../helpers/glrunner-cli.js'

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
