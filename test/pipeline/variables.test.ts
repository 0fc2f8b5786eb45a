import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compilePipeline, expandVariables } from '../../src/pipeline/index.js'
import { slugify } from '../../src/pipeline/variables/slug.js'
import { compileYaml, expectErrors, expectPlan, gitIn, job, makeRepo, vars } from './helpers/repo.js'

const finalVars = (planJob: Parameters<typeof vars>[0]): Record<string, string> => expandVariables(planJob.variables)

test('case 31: float variables are refused and quoted ones accepted', async (t) => {
  const errors = expectErrors(await compileYaml(t, 'variables:\n  PY: 3.10\njob: {script: echo}\n'))
  assert.deepEqual(errors, ['variables:PY: variable definition must be either a string or a hash'])
  const ok = await compileYaml(t, 'variables:\n  PY: "3.10"\njob: {script: echo}\n')
  assert.equal(vars(job(ok, 'job')).PY, '3.10')
  const jobLevel = expectErrors(await compileYaml(t, 'job: {script: echo, variables: {FLAG: true}}\n'))
  assert.deepEqual(jobLevel, ['jobs:job:variables:FLAG: variable definition must be either a string or a hash'])
})

test('case 35: rules:variables beat job variables, which beat workflow and global ones; pipeline variables beat all', async (t) => {
  const yaml = `variables: {V: global, W: global}
workflow:
  rules:
    - variables: {V: workflow, W: workflow}
job:
  variables: {V: job}
  rules:
    - if: $CI_COMMIT_BRANCH
      variables: {V: rule}
  script: echo $V $W
`
  const result = await compileYaml(t, yaml)
  assert.equal(finalVars(job(result, 'job')).V, 'rule')
  assert.equal(finalVars(job(result, 'job')).W, 'workflow')
  const cli = await compileYaml(t, yaml, { variables: { V: 'cli' } })
  assert.equal(finalVars(job(cli, 'job')).V, 'cli')
})

test('case 36: a variable with options must list its value', async (t) => {
  const yaml = 'variables:\n  ENV:\n    value: dev\n    options: [staging, production]\njob: {script: echo}\n'
  assert.deepEqual(expectErrors(await compileYaml(t, yaml)), ['variables:ENV: config value must be present in options'])
})

test('case 37: expand false keeps the dollar literal and marks the variable raw', async (t) => {
  const yaml = 'variables:\n  A: "aaa"\n  RAW: {value: "$A-x", expand: false}\n  COOKED: "$A-x"\njob: {script: echo}\n'
  const planJob = job(await compileYaml(t, yaml), 'job')
  assert.equal(finalVars(planJob).COOKED, 'aaa-x')
  assert.equal(finalVars(planJob).RAW, '$A-x')
  assert.equal(planJob.variables.find((v) => v.key === 'RAW')?.raw, true)
})

test('case 38: ref slug keeps double dashes and trims the end; short SHA has 8 characters', async (t) => {
  const branch = 'Feature/JIRA-123_Add--Stuff!'
  const result = await compileYaml(t, 'job: {script: echo $CI_COMMIT_REF_SLUG}\n', { branch })
  const v = vars(job(result, 'job'))
  assert.equal(v.CI_COMMIT_REF_SLUG, 'feature-jira-123-add--stuff')
  assert.equal(v.CI_COMMIT_REF_NAME, branch)
  assert.equal(v.CI_COMMIT_BRANCH, branch)
  assert.equal(v.CI_COMMIT_SHORT_SHA, v.CI_COMMIT_SHA?.slice(0, 8))
  assert.equal(v.CI_COMMIT_SHORT_SHA?.length, 8)
})

test('case 39: slug truncation at 63 characters then trimming', () => {
  assert.equal(slugify(`${'a'.repeat(62)}/b`), 'a'.repeat(62))
  assert.equal(slugify('Fix--Me!'), 'fix--me')
  assert.equal(slugify('-x-'), 'x')
  assert.equal(slugify('release/1.2.3'), 'release-1-2-3')
})

test('case 40: tag pipeline sets CI_COMMIT_TAG and leaves CI_COMMIT_BRANCH unset', async (t) => {
  const yaml = 'on-tag:\n  rules: [{if: $CI_COMMIT_TAG}]\n  script: echo\non-branch:\n  rules: [{if: $CI_COMMIT_BRANCH}]\n  script: echo\n'
  const dir = makeRepo(t, { '.gitlab-ci.yml': yaml })
  gitIn(dir, ['tag', 'v1.0.0'])
  const result = await compilePipeline({ projectDir: dir, git: { tag: 'v1.0.0' } })
  assert.deepEqual(expectPlan(result).jobs.map((j) => j.name), ['on-tag'])
  const v = vars(job(result, 'on-tag'))
  assert.equal(v.CI_COMMIT_TAG, 'v1.0.0')
  assert.equal(v.CI_COMMIT_REF_NAME, 'v1.0.0')
  assert.equal(v.CI_COMMIT_BRANCH, undefined)
  assert.equal(v.CI_COMMIT_REF_SLUG, 'v1-0-0')
})

test('case 41: commit message, title and description', async (t) => {
  const dir = makeRepo(t, { '.gitlab-ci.yml': 'job: {script: echo}\n' }, { message: 'Fix parser\n\nLonger body line\n' })
  const v = vars(job(await compilePipeline({ projectDir: dir }), 'job'))
  assert.equal(v.CI_COMMIT_TITLE, 'Fix parser')
  assert.equal(v.CI_COMMIT_MESSAGE, 'Fix parser\n\nLonger body line\n')
  assert.equal(v.CI_COMMIT_DESCRIPTION, '\nLonger body line')
  assert.equal(v.CI_COMMIT_AUTHOR, 'Ada Lovelace <ada@example.com>')
  assert.equal(v.CI_COMMIT_TIMESTAMP, '2024-05-01T10:11:12+02:00')
  assert.equal(v.CI_COMMIT_BEFORE_SHA, '0'.repeat(40))
})

test('project variables come from the origin remote, or local/<dir> without one', async (t) => {
  const dir = makeRepo(t, { '.gitlab-ci.yml': 'job: {script: echo}\n' }, { remote: 'git@gitlab.example.com:group/sub/Proj.git' })
  const v = vars(job(await compilePipeline({ projectDir: dir }), 'job'))
  assert.equal(v.CI_PROJECT_PATH, 'group/sub/Proj')
  assert.equal(v.CI_PROJECT_NAME, 'Proj')
  assert.equal(v.CI_PROJECT_NAMESPACE, 'group/sub')
  assert.equal(v.CI_PROJECT_URL, 'https://gitlab.example.com/group/sub/Proj')
  assert.equal(v.CI_SERVER_HOST, 'gitlab.example.com')
  assert.equal(v.CI_DEFAULT_BRANCH, 'main')
  assert.equal(v.CI_PIPELINE_SOURCE, 'push')
  assert.equal(v.CI_NODE_TOTAL, '1')
  assert.equal(v.CI_NODE_INDEX, undefined)
  const local = makeRepo(t, { '.gitlab-ci.yml': 'job: {script: echo}\n' })
  const lv = vars(job(await compilePipeline({ projectDir: local }), 'job'))
  assert.match(lv.CI_PROJECT_PATH ?? '', /^local\/glr-pipeline-/)
})

test('case 42: matrix jobs get their name slug, node variables and matrix variables', async (t) => {
  const yaml = 'build:\n  parallel:\n    matrix:\n      - OS: linux\n        ARCH: [amd64, arm64]\n  script: echo\n'
  const result = await compileYaml(t, yaml)
  const v = vars(job(result, 'build: [linux, amd64]'))
  assert.equal(v.CI_JOB_NAME, 'build: [linux, amd64]')
  assert.equal(v.CI_JOB_NAME_SLUG, 'build---linux--amd64')
  assert.equal(v.CI_NODE_INDEX, '1')
  assert.equal(v.CI_NODE_TOTAL, '2')
  assert.equal(v.OS, 'linux')
  assert.equal(v.ARCH, 'amd64')
})

test('C-18 $$, non-expanded variables and shell-special values', async (t) => {
  const yaml = `variables:
  LEVEL: '-9'
  CMD: 'gzip "$LEVEL" $$OUT_FILE'
  RAW_PATH:
    value: '$HOME/keep-literal'
    expand: false
  PIPE_VAL: '|1|first'
  QUOTES: "it's \\"quoted\\" \`tick\` back\\\\slash"
"job with 'quote'":
  script:
    - echo "cmd=$CMD"
`
  const v = finalVars(job(await compileYaml(t, yaml), "job with 'quote'"))
  assert.equal(v.CMD, 'gzip "-9" $OUT_FILE')
  assert.equal(v.RAW_PATH, '$HOME/keep-literal')
  assert.equal(v.PIPE_VAL, '|1|first')
  assert.equal(v.QUOTES, 'it\'s "quoted" `tick` back\\slash')
  assert.equal(v.CI_JOB_NAME, "job with 'quote'")
})

test('C-22 a null YAML variable is defined and empty', async (t) => {
  const v = vars(job(await compileYaml(t, 'variables:\n  EMPTY_ONE:\n  EMPTY_TWO: ""\njob: {script: echo}\n'), 'job'))
  assert.equal(v.EMPTY_ONE, '')
  assert.equal(v.EMPTY_TWO, '')
})

test('variable expansion is recursive and a cycle leaves the reference as written', () => {
  const v = expandVariables([
    { key: 'A', value: '$B-a', raw: false },
    { key: 'B', value: '${C}b', raw: false },
    { key: 'C', value: 'c', raw: false },
    { key: 'X', value: '$Y', raw: false },
    { key: 'Y', value: '$X', raw: false },
    { key: 'U', value: '[$NOPE]', raw: false },
  ])
  assert.equal(v.A, 'cb-a')
  assert.equal(v.X, '$X')
  assert.equal(v.U, '[]')
})

test('%NAME% is expanded where GitLab expands at pipeline creation, but not in job variables the runner expands', async (t) => {
  const yaml = `variables: {ENV: prod, GREETING: "%ENV%-hello"}
job:
  script: echo
  environment: {name: "review/%ENV%", url: "https://%ENV%.example/%NOPE%"}
  resource_group: deploy-%ENV%
`
  const planJob = job(await compileYaml(t, yaml), 'job')
  assert.deepEqual(planJob.environment, { name: 'review/prod', url: 'https://prod.example/' })
  assert.equal(planJob.resourceGroup, 'deploy-prod')
  assert.equal(expandVariables(planJob.variables).GREETING, '%ENV%-hello')
})
