import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { compileChildPipeline, compilePipeline, formatCompileError } from '../../src/pipeline/index.js'
import { compileYaml, expectPlan, job, makeRepo, vars } from './helpers/repo.js'

test('errors point at the file and line where the job was defined', async (t) => {
  const result = await compileYaml(t, 'include: ci/jobs.yml\nok: {script: echo}\n', { files: { 'ci/jobs.yml': '# jobs\n\nbad:\n  scripts: x\n  script: echo\n' } })
  assert.equal(result.ok, false)
  if (result.ok) return
  assert.deepEqual(result.errors, [{ file: 'ci/jobs.yml', line: 3, key: 'jobs:bad', message: 'config contains unknown keys: scripts' }])
  const extendsError = await compileYaml(t, 'a: {script: echo}\n\nb: {extends: .nope, script: echo}\n')
  assert.equal(extendsError.ok ? 0 : extendsError.errors[0]?.line, 3)
})

test('a child pipeline compiles its trigger includes with forwarded variables', async (t) => {
  const yaml = `variables: {G: global}
gen:
  stage: build
  script: echo
child:
  stage: deploy
  variables: {MODE: fast}
  trigger:
    include:
      - local: ci/child.yml
      - artifact: generated.yml
        job: gen
    strategy: depend
`
  const dir = makeRepo(t, { '.gitlab-ci.yml': yaml, 'ci/child.yml': 'in-child:\n  rules: [{if: $CI_PIPELINE_SOURCE == "parent_pipeline"}]\n  script: echo $MODE\n' })
  const generated = join(dir, 'generated-out.yml')
  writeFileSync(generated, 'generated-job: {script: echo gen}\n')
  const parent = { projectDir: dir }
  const plan = expectPlan(await compilePipeline(parent))
  const result = await compileChildPipeline({ parent, plan, bridge: job({ ok: true, pipeline: plan, warnings: [] }, 'child'), artifactFiles: { 'gen:generated.yml': generated } })
  const child = expectPlan(result)
  assert.deepEqual(child.jobs.map((j) => j.name), ['in-child', 'generated-job'])
  assert.equal(vars(child.jobs[0]!).MODE, 'fast')
  assert.equal(vars(child.jobs[0]!).G, 'global')
  assert.equal(vars(child.jobs[0]!).CI_PIPELINE_SOURCE, 'parent_pipeline')
})

test('pipeline variables reach a child pipeline only with forward: pipeline_variables: true', async (t) => {
  const yaml = `variables: {G: global}
plain:
  variables: {MODE: fast}
  trigger: {include: ci/child.yml}
forwarding:
  trigger:
    include: ci/child.yml
    forward: {pipeline_variables: true}
`
  const dir = makeRepo(t, { '.gitlab-ci.yml': yaml, 'ci/child.yml': 'in-child:\n  script: echo $FROM_CLI\n' })
  const parent = { projectDir: dir, variables: { FROM_CLI: 'cli' } }
  const plan = expectPlan(await compilePipeline(parent))

  const plain = expectPlan(await compileChildPipeline({ parent, plan, bridge: job({ ok: true, pipeline: plan, warnings: [] }, 'plain') }))
  assert.equal(vars(plain.jobs[0]!).FROM_CLI, undefined, 'GitLab forwards pipeline variables only when asked')
  assert.equal(vars(plain.jobs[0]!).MODE, 'fast', 'the trigger job\'s own YAML variables are forwarded by default')
  assert.equal(vars(plain.jobs[0]!).G, 'global')

  const forwarding = expectPlan(await compileChildPipeline({ parent, plan, bridge: job({ ok: true, pipeline: plan, warnings: [] }, 'forwarding') }))
  assert.equal(vars(forwarding.jobs[0]!).FROM_CLI, 'cli')
})

test('an error about a nested key points at that key line, in the file that wrote it', async (t) => {
  const yaml = 'stages: [test]\n\nbuild:\n  stage: test\n  artifacts:\n    paths: 5\n  script: 42\n'
  const result = await compileYaml(t, yaml)
  assert.deepEqual(result.ok ? [] : result.errors.map((error) => [error.file, error.key, error.line]), [
    ['.gitlab-ci.yml', 'jobs:build:script', 7],
    ['.gitlab-ci.yml', 'jobs:build:artifacts', 5],
  ])
  const included = await compileYaml(t, 'include: ci/jobs.yml\n', { files: { 'ci/jobs.yml': '# jobs\nbad:\n  stage: test\n  script: {a: 1}\n' } })
  assert.deepEqual(included.ok ? [] : included.errors.map((error) => [error.file, error.key, error.line]), [['ci/jobs.yml', 'jobs:bad:script', 4]])
})

test('an error about a key the job inherited through extends points at the job line', async (t) => {
  const result = await compileYaml(t, '.base:\n  script: 42\n\njob:\n  extends: .base\n')
  assert.deepEqual(result.ok ? [] : result.errors.map((error) => [error.key, error.line]), [['jobs:job:script', 4]])
})

test('error messages do not repeat the file or key their fields carry, and format as file:line: key: message', async (t) => {
  const yaml = 'stages: [build]\n\nbad:\n  scripts: x\n  script: echo\nlost:\n  script: echo\n'
  const unknown = await compileYaml(t, yaml)
  assert.deepEqual(unknown.ok ? [] : unknown.errors.map(formatCompileError), ['.gitlab-ci.yml:3: jobs:bad: config contains unknown keys: scripts'])
  const stage = await compileYaml(t, 'stages: [build]\n\nlost:\n  script: echo\n')
  assert.deepEqual(stage.ok ? [] : stage.errors.map(formatCompileError), [
    '.gitlab-ci.yml:3: jobs:lost:stage: chosen stage test does not exist; available stages are .pre, build, .post',
  ])
  const syntax = await compileYaml(t, 'a: {script: echo}\nb: [\n')
  const [message] = syntax.ok ? [] : syntax.errors.map(formatCompileError)
  assert.match(message ?? '', /^\.gitlab-ci\.yml:(\d+): [A-Z][^(]* at line \1 column \d+$/)
})
