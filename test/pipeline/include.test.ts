import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileYaml, expectErrors, expectFileErrors, expectPlan, job, layout } from './helpers/repo.js'

const names = (result: Awaited<ReturnType<typeof compileYaml>>): string[] => expectPlan(result).jobs.map((j) => j.name)

test('case 14: the root file overrides an included job by deep merge', async (t) => {
  const result = await compileYaml(t, 'include: ci/jobs.yml\nbuild:\n  variables: {B: "2"}\n', {
    files: { 'ci/jobs.yml': 'build:\n  stage: build\n  script: [make]\n  variables: {A: "1"}\n' },
  })
  assert.deepEqual(layout(result), { build: ['build'] })
  assert.deepEqual(job(result, 'build').script, ['make'])
  assert.deepEqual(job(result, 'build').yamlVariables, { A: '1', B: '2' })
})

test('case 15: a root array replaces the included array', async (t) => {
  const result = await compileYaml(t, 'include: {local: ci/jobs.yml}\nbuild:\n  script: [make test]\n', {
    files: { 'ci/jobs.yml': 'build:\n  script: [make, make install]\n  tags: [docker]\n' },
  })
  assert.deepEqual(job(result, 'build').script, ['make test'])
  assert.deepEqual(job(result, 'build').tags, ['docker'])
})

test('case 16: a glob include takes only yml files, sorted, and * does not descend', async (t) => {
  const result = await compileYaml(t, "include: 'ci/*.yml'\n", {
    files: {
      'ci/b.yml': 'job: {script: echo b}\n',
      'ci/a.yml': 'job: {script: echo a, stage: build}\n',
      'ci/sub/c.yml': 'other: {script: echo c}\n',
      'ci/d.txt': 'x',
    },
  })
  assert.deepEqual(layout(result), { build: ['job'] })
  assert.deepEqual(job(result, 'job').script, ['echo b'])
})

test('case 17: a glob with no match is fine; a missing literal file is not', async (t) => {
  const yaml = "include:\n  - local: 'nothing/*.yml'\n  - local: 'missing.yml'\njob: {script: echo}\n"
  assert.deepEqual(expectErrors(await compileYaml(t, yaml)), ['Local file `missing.yml` does not exist!'])
  assert.deepEqual(names(await compileYaml(t, "include:\n  - local: 'nothing/*.yml'\njob: {script: echo}\n")), ['job'])
})

test('case 18: include:rules use pre-pipeline variables', async (t) => {
  const yaml = 'include:\n  - local: ci/main-only.yml\n    rules:\n      - if: $CI_COMMIT_BRANCH == "main"\njob: {script: echo}\n'
  const files = { 'ci/main-only.yml': 'release: {stage: deploy, script: echo release}\n' }
  assert.deepEqual(layout(await compileYaml(t, yaml, { files })), { test: ['job'], deploy: ['release'] })
  assert.deepEqual(layout(await compileYaml(t, yaml, { files, branch: 'dev' })), { test: ['job'] })
})

test('include:rules cannot see global YAML variables', async (t) => {
  const yaml = 'variables: {GO: "yes"}\ninclude:\n  - local: ci/x.yml\n    rules: [{if: $GO == "yes"}]\njob: {script: echo}\n'
  assert.deepEqual(names(await compileYaml(t, yaml, { files: { 'ci/x.yml': 'x: {script: echo}\n' } })), ['job'])
})

test('case 19: a duplicate include is harmless', async (t) => {
  assert.deepEqual(names(await compileYaml(t, 'include: [ci/a.yml, ci/a.yml]\n', { files: { 'ci/a.yml': 'a: {script: echo a}\n' } })), ['a'])
})

test('case 20: a self-including file stops at the include limit', async (t) => {
  const result = await compileYaml(t, 'include: ci/loop.yml\n', { files: { 'ci/loop.yml': 'include: ci/loop.yml\nx: {script: echo}\n' } })
  assert.deepEqual(expectErrors(result), ['Maximum of 150 nested includes are allowed!'])
})

test('C-20 include:local wildcards: **.yml versus **/*.yml versus *.yml', async (t) => {
  const files = {
    'ci/top.yml': 'top: {script: echo top}\n',
    'ci/sub/one.yml': 'one: {script: echo one}\n',
    'ci/sub/deep/two.yml': 'two: {script: echo two}\n',
  }
  assert.deepEqual(names(await compileYaml(t, "include: 'ci/**.yml'\n", { files })).sort(), ['one', 'top', 'two'])
  assert.deepEqual(names(await compileYaml(t, "include: 'ci/**/*.yml'\n", { files })).sort(), ['one', 'two'])
  assert.deepEqual(names(await compileYaml(t, "include:\n  - local: 'ci/*.yml'\n", { files })), ['top'])
  const none = await compileYaml(t, "include: 'nope/**/*.yml'\njob: {script: echo}\n", { files })
  assert.deepEqual(names(none), ['job'])
  // A pattern broad enough to match the root file terminates with GitLab's include limit.
  const broad = await compileYaml(t, "include: '**.yml'\njob: {script: echo}\n", { files })
  assert.deepEqual(expectErrors(broad), ['Maximum of 150 nested includes are allowed!'])
})

test('included files must have a YAML extension and must not be empty', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'include: ci/a.txt\njob: {script: echo}\n', { files: { 'ci/a.txt': 'x' } })), ['Included file `ci/a.txt` does not have YAML extension!'])
  assert.deepEqual(expectErrors(await compileYaml(t, 'include: ci/e.yml\njob: {script: echo}\n', { files: { 'ci/e.yml': '# nothing\n' } })), ['Local file `ci/e.yml` is empty!'])
})

test('remote and project includes fail offline unless mapped', async (t) => {
  const remote = await compileYaml(t, 'include: https://example.com/ci.yml\njob: {script: echo}\n')
  assert.match(expectErrors(remote)[0] ?? '', /^Included remote file `https:\/\/example.com\/ci.yml` is not available offline/)
  const mapped = await compileYaml(t, 'include: https://example.com/ci.yml\njob: {script: echo}\n', {
    files: { 'vendor/ci.yml': 'remote-job: {script: echo}\n' },
    includeMappings: { 'https://example.com/ci.yml': 'vendor/ci.yml' },
  })
  assert.deepEqual(names(mapped), ['remote-job', 'job'])
  const project = await compileYaml(t, 'include: {project: group/lib, file: /ci/lib.yml}\njob: {script: echo}\n', {
    files: { 'lib/ci/lib.yml': 'include: ci/more.yml\nlib: {script: echo}\n', 'lib/ci/more.yml': 'more: {script: echo}\n' },
    includeMappings: { 'group/lib': 'lib' },
  })
  assert.deepEqual(names(project), ['more', 'lib', 'job'])
})

const TPL = `spec:
  inputs:
    stage:
    workers:
      type: number
      default: 2
---
"run-$[[ inputs.stage ]]":
  stage: $[[ inputs.stage ]]
  parallel: $[[ inputs.workers ]]
  script: echo "$[[ inputs.stage ]] x$[[ inputs.workers ]]"
`

test('case 21: include:inputs with typed substitution', async (t) => {
  const result = await compileYaml(t, 'include:\n  - local: tpl.yml\n    inputs: {stage: deploy}\n', { files: { 'tpl.yml': TPL } })
  assert.deepEqual(layout(result), { deploy: ['run-deploy 1/2', 'run-deploy 2/2'] })
  assert.deepEqual(job(result, 'run-deploy 1/2').script, ['echo "deploy x2"'])
})

test('case 22: a missing required input', async (t) => {
  const result = await compileYaml(t, 'include:\n  - local: tpl.yml\n', { files: { 'tpl.yml': TPL } })
  assert.deepEqual(expectFileErrors(result), ['tpl.yml: `stage` input: required value has not been provided'])
})

test('case 23: an input value not in options', async (t) => {
  const files = { 'env.yml': 'spec:\n  inputs:\n    env: {options: [staging, production], default: staging}\n---\ndeploy: {script: "echo $[[ inputs.env ]]"}\n' }
  const result = await compileYaml(t, 'include: [{local: env.yml, inputs: {env: prod}}]\n', { files })
  assert.deepEqual(expectFileErrors(result), ['env.yml: `env` input: `prod` cannot be used because it is not in the list of allowed options'])
})

test('case 24: inputs passed to a file without a header', async (t) => {
  const result = await compileYaml(t, 'include: [{local: plain.yml, inputs: {x: 1}}]\n', { files: { 'plain.yml': 'p: {script: echo}\n' } })
  assert.deepEqual(expectFileErrors(result), ['plain.yml: Given inputs not defined in the `spec` section of the included configuration file'])
})

test('case 25: a file without header is not interpolated', async (t) => {
  assert.deepEqual(job(await compileYaml(t, 'job:\n  script: echo "$[[ inputs.name ]]"\n'), 'job').script, ['echo "$[[ inputs.name ]]"'])
})

test('case 26: truncate and an array input', async (t) => {
  const files = { 't.yml': "spec:\n  inputs:\n    name: {default: \"abcdefghij\"}\n    rules: {type: array, default: [{if: '$CI_COMMIT_BRANCH == \"main\"'}]}\n---\n\"j-$[[ inputs.name | truncate(0,3) ]]\":\n  rules: $[[ inputs.rules ]]\n  script: echo\n" }
  assert.deepEqual(names(await compileYaml(t, 'include: t.yml\n', { files })), ['j-abc'])
  assert.deepEqual(expectErrors(await compileYaml(t, 'include: t.yml\n', { files, branch: 'dev' })), [
    'Pipeline will not run for the selected trigger. The rules configuration prevented any jobs from being added to the pipeline.',
  ])
})

test('root file inputs, wrong types and unknown inputs', async (t) => {
  const yaml = 'spec:\n  inputs:\n    n: {type: number}\n---\njob: {script: "echo $[[ inputs.n ]]"}\n'
  assert.deepEqual(job(await compileYaml(t, yaml, { inputs: { n: 3 } }), 'job').script, ['echo 3'])
  assert.deepEqual(expectErrors(await compileYaml(t, yaml, { inputs: { n: '3' } })), ['`n` input: provided value is not a number'])
  assert.deepEqual(expectErrors(await compileYaml(t, yaml, { inputs: { n: 1, x: 2 } })), ['unknown input arguments: x'])
})
