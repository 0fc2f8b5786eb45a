import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { compilePipeline, expandText, expandVariables } from '../../src/pipeline/index.js'
import { compileYaml, expectErrors, gitIn, job, makeRepo } from './helpers/repo.js'

test('case 80: nested script arrays flatten and a block scalar is one entry', async (t) => {
  const yaml = '.common: &common [echo a, [echo b, echo c]]\njob:\n  script:\n    - *common\n    - |\n      echo d\n      echo e\n'
  assert.deepEqual(job(await compileYaml(t, yaml), 'job').script, ['echo a', 'echo b', 'echo c', 'echo d\necho e\n'])
})

test('case 81: an unquoted colon in a script line is a hash', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'job:\n  script:\n    - echo key: value\n')), [
    'jobs:job:script: config should be a string or a nested array of strings up to 10 levels deep',
  ])
})

test('case 82: a job without script', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'job:\n  stage: test\n  image: alpine\n')), [
    'jobs: job config should implement the script:, run:, or trigger: keyword',
    'jobs: config should contain at least one visible job',
  ])
})

test('case 83: an unknown job key', async (t) => {
  const result = await compileYaml(t, 'job:\n  scripts: echo\n  script: echo\n')
  assert.deepEqual(expectErrors(result), ['jobs:job: config contains unknown keys: scripts'])
  assert.equal(result.ok ? undefined : result.errors[0]?.file, '.gitlab-ci.yml')
})

test('case 84: when never at job level', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {when: never, script: echo}\n')), [
    'jobs:job: when should be one of: on_success, on_failure, always, manual, delayed',
  ])
})

test('empty script and delayed without start_in are refused', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {script: []}\n')), ["jobs:job: script can't be blank"])
  // GitLab's DurationValidator runs the format and the limit check on the missing value.
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {script: x, when: delayed}\n')), [
    'jobs:job: start in should be a duration',
    'jobs:job: start in should not exceed the limit',
  ])
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {script: x, start_in: 1 minute}\n')), ['jobs:job: start in must be blank'])
})

test('case 85: image and services forms', async (t) => {
  const yaml = 'job:\n  image: {name: "tools.example/ci/tools:1", entrypoint: [""]}\n  services:\n    - postgres:16\n    - name: redis:7\n      alias: cache\n    - registry.example/group/img:2\n  script: echo\n'
  const planJob = job(await compileYaml(t, yaml), 'job')
  assert.deepEqual(planJob.image, { name: 'tools.example/ci/tools:1', entrypoint: [''] })
  assert.deepEqual(planJob.services.map((s) => [s.name, s.aliases]), [
    ['postgres:16', ['postgres']],
    ['redis:7', ['cache']],
    ['registry.example/group/img:2', ['group__img', 'group-img']],
  ])
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {image: {name: a, foo: 1}, script: echo}\n')), ['jobs:job:image: config contains unknown keys: foo'])
})

test('C-19 allow_failure exit_codes is kept when rules do not set it and overridden when they do', async (t) => {
  const yaml = `soft-137:
  allow_failure:
    exit_codes: [137, 42]
  rules:
    - when: always
  script: [exit 42]
hard-1:
  allow_failure:
    exit_codes: 137
  script: [exit 1]
rule-says-no:
  allow_failure: true
  rules:
    - if: $CI_PIPELINE_SOURCE
      allow_failure: false
  script: [exit 5]
after:
  stage: deploy
  script: [echo reached]
`
  const result = await compileYaml(t, yaml)
  assert.deepEqual(job(result, 'soft-137').allowFailure, { exitCodes: [137, 42] })
  assert.deepEqual(job(result, 'hard-1').allowFailure, { exitCodes: [137] })
  assert.equal(job(result, 'rule-says-no').allowFailure, false)
  assert.equal(job(result, 'after').allowFailure, false)
})

test('artifacts, retry, timeout, environment and resource group are normalized', async (t) => {
  const yaml = `variables: {ENV: prod}
job:
  script: echo
  artifacts:
    name: "$CI_JOB_NAME"
    paths: [dist/]
    exclude: [dist/*.map]
    expire_in: 1 week
    when: always
    reports: {dotenv: build.env, junit: [a.xml, b.xml]}
  retry: {max: 2, when: [script_failure], exit_codes: 137}
  timeout: 1h 30m
  environment: {name: review/$ENV, url: "https://$ENV.example"}
  resource_group: deploy-$ENV
  interruptible: true
`
  const planJob = job(await compileYaml(t, yaml), 'job')
  assert.deepEqual(planJob.artifacts, {
    paths: ['dist/'], exclude: ['dist/*.map'], untracked: false, when: 'always', expireIn: '1 week', name: '$CI_JOB_NAME',
    reports: { dotenv: ['build.env'], junit: ['a.xml', 'b.xml'] },
  })
  assert.deepEqual(planJob.retry, { max: 2, when: ['script_failure'], exitCodes: [137] })
  assert.equal(planJob.timeoutSeconds, 5400)
  assert.deepEqual(planJob.environment, { name: 'review/prod', url: 'https://prod.example' })
  assert.equal(planJob.resourceGroup, 'deploy-prod')
  assert.equal(planJob.interruptible, true)
  const v = expandVariables(planJob.variables)
  assert.equal(v.CI_ENVIRONMENT_NAME, 'review/prod')
  assert.equal(v.CI_ENVIRONMENT_SLUG, 'review-prod')
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {script: x, retry: 3}\n')), ['jobs:job:retry: max config must be less than or equal to 2'])
})

test('cache key:files is the SHA-1 of the last commits of the files, with the prefix', async (t) => {
  const yaml = 'default:\n  cache: {key: {files: [package.json], prefix: deps}, paths: [node_modules/]}\njob: {script: echo}\nnone: {script: echo, cache: []}\n'
  const dir = makeRepo(t, { '.gitlab-ci.yml': yaml, 'package.json': '{}' })
  const result = await compilePipeline({ projectDir: dir })
  const id = gitIn(dir, ['log', '-1', '--format=%H', '--', 'package.json']).trim()
  const digest = createHash('sha1').update(id).digest('hex')
  assert.equal(job(result, 'job').cache[0]?.key, `deps-${digest}`)
  assert.deepEqual(job(result, 'none').cache, [])
})

test('C-24 cache fallback keys keep their order and expand with the job variables', async (t) => {
  const yaml = 'build:\n  cache:\n    key: deps-$CI_COMMIT_REF_SLUG\n    fallback_keys: [deps-$CI_DEFAULT_BRANCH, deps-base]\n    paths: [vendor/]\n  script: [cat vendor/marker]\n'
  const planJob = job(await compileYaml(t, yaml, { branch: 'feature-x' }), 'build')
  const cache = planJob.cache[0]
  assert.equal(cache?.key, 'deps-$CI_COMMIT_REF_SLUG')
  assert.deepEqual(cache?.fallbackKeys, ['deps-$CI_DEFAULT_BRANCH', 'deps-base'])
  assert.equal(cache?.policy, 'pull-push')
  const v = expandVariables(planJob.variables)
  const lookup = (name: string): string | undefined => v[name]
  assert.deepEqual([cache?.key ?? '', ...(cache?.fallbackKeys ?? [])].map((key) => expandText(key, lookup)), ['deps-feature-x', 'deps-main', 'deps-base'])
  assert.deepEqual(expectErrors(await compileYaml(t, 'j: {script: x, cache: {key: a/b}}\n')), ['jobs:j:cache:key: config cannot contain the "/" character or be "." or ".."'])
})

test('trigger jobs describe child pipelines', async (t) => {
  const yaml = 'child:\n  trigger:\n    include:\n      - local: ci/child.yml\n      - artifact: gen.yml\n        job: gen\n    strategy: depend\n    forward: {pipeline_variables: true}\n'
  const planJob = job(await compileYaml(t, yaml), 'child')
  assert.deepEqual(planJob.trigger, {
    include: [{ local: 'ci/child.yml' }, { artifact: 'gen.yml', job: 'gen' }],
    strategy: 'depend',
    forward: { yamlVariables: true, pipelineVariables: true },
  })
  assert.deepEqual(planJob.script, [])
  assert.deepEqual(expectErrors(await compileYaml(t, 'child: {trigger: {project: a/b}, script: echo}\n')), ['jobs:child: config contains unknown keys: script'])
})

test('a delayed job may wait at most one week', async (t) => {
  assert.equal(job(await compileYaml(t, 'job: {script: x, when: delayed, start_in: 1 week}\n'), 'job').startIn, '1 week')
  assert.equal(job(await compileYaml(t, 'job: {script: x, when: delayed, start_in: 6 days 23 hours}\n'), 'job').startIn, '6 days 23 hours')
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {script: x, when: delayed, start_in: 8 days}\n')), ['jobs:job: start in should not exceed the limit'])
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {script: x, when: delayed, start_in: soon}\n')), [
    'jobs:job: start in should be a duration',
    'jobs:job: start in should not exceed the limit',
  ])
})

test('a delayed rule needs a start_in of at most one week; other rules may not have one', async (t) => {
  const rule = (text: string): string => `job:\n  script: x\n  rules:\n    - ${text}\n`
  assert.equal(job(await compileYaml(t, rule('{when: delayed, start_in: 7 days}')), 'job').startIn, '7 days')
  assert.deepEqual(expectErrors(await compileYaml(t, rule('{when: delayed, start_in: 2 weeks}'))), ['jobs:job:rules:rule: start in should not exceed the limit'])
  assert.deepEqual(expectErrors(await compileYaml(t, rule('{when: delayed}'))), [
    "jobs:job:rules:rule: start in can't be blank",
    'jobs:job:rules:rule: start in should be a duration',
    'jobs:job:rules:rule: start in should not exceed the limit',
  ])
  assert.deepEqual(expectErrors(await compileYaml(t, rule('{when: manual, start_in: 1 day}'))), ['jobs:job:rules:rule: config contains disallowed keys: start_in'])
})

test('timeout must be a duration string of at most one month', async (t) => {
  assert.equal(job(await compileYaml(t, 'job: {script: x, timeout: 1 month}\n'), 'job').timeoutSeconds, 2_592_000)
  // One ActiveSupport month is 30 days 10 h 29 min 6 s; GitLab's ceiling is exactly that.
  assert.equal(job(await compileYaml(t, 'job: {script: x, timeout: 30d 10h 29m 6s}\n'), 'job').timeoutSeconds, 2_629_746)
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {script: x, timeout: 30d 10h 29m 7s}\n')), ['jobs:job:timeout: config should not exceed the limit'])
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {script: x, timeout: 1 year}\n')), ['jobs:job:timeout: config should not exceed the limit'])
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {script: x, timeout: banana}\n')), [
    'jobs:job:timeout: config should be a duration',
    'jobs:job:timeout: config should not exceed the limit',
  ])
  // A YAML integer is not a string: GitLab's validator refuses it; a quoted number is seconds.
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {script: x, timeout: 3600}\n')), [
    'jobs:job:timeout: config should be a duration',
    'jobs:job:timeout: config should not exceed the limit',
  ])
  assert.equal(job(await compileYaml(t, 'job: {script: x, timeout: "3600"}\n'), 'job').timeoutSeconds, 3600)
  assert.deepEqual(expectErrors(await compileYaml(t, 'default: {timeout: 5 weeks}\njob: {script: x}\n')), ['default:timeout: config should not exceed the limit'])
})
