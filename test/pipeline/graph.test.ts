import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileYaml, expectErrors, expectPlan, job, layout, vars } from './helpers/repo.js'

const needsOf = (result: Awaited<ReturnType<typeof compileYaml>>, name: string): string[] | undefined => job(result, name).needs?.map((need) => need.job)

test('case 60: edge stages cannot be moved', async (t) => {
  const yaml = 'stages: [.post, build, .pre]\np: {stage: .post, script: echo}\nb: {stage: build, script: echo}\nx: {stage: .pre, script: echo}\n'
  assert.deepEqual(layout(await compileYaml(t, yaml)), { '.pre': ['x'], build: ['b'], '.post': ['p'] })
})

test('case 61: the default test stage missing from custom stages', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'stages: [build]\njob: {script: echo}\n')), [
    'jobs:job:stage: chosen stage test does not exist; available stages are .pre, build, .post',
  ])
})

test('a pipeline of only .pre/.post jobs is not created', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'a: {stage: .pre, script: echo}\n')), ['Pipeline will not run: only .pre/.post jobs remain'])
})

test('case 62: DAG and stage ordering in the plan', async (t) => {
  const yaml = `stages: [build, test, deploy]
compile: {stage: build, script: echo}
lint:    {stage: build, script: sleep 5}
unit:    {stage: test, needs: [compile], script: echo}
ship:    {stage: deploy, script: echo}
early:   {stage: deploy, needs: [], script: echo}
`
  const result = await compileYaml(t, yaml)
  assert.deepEqual(layout(result), { build: ['compile', 'lint'], test: ['unit'], deploy: ['ship', 'early'] })
  assert.deepEqual(needsOf(result, 'unit'), ['compile'])
  assert.deepEqual(needsOf(result, 'early'), [])
  assert.equal(needsOf(result, 'ship'), undefined)
})

test('case 65: needs to a later stage', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'stages: [build, test]\na: {stage: build, needs: [b], script: echo}\nb: {stage: test, script: echo}\n')), [
    'jobs:a:needs: need b is not defined in current or prior stages',
  ])
})

test('case 66: needs to a job removed by rules, and the optional form', async (t) => {
  const yaml = 'stages: [build, test]\ngen:\n  stage: build\n  rules: [{if: $CI_COMMIT_TAG}]\n  script: echo\nuse:  {stage: test, needs: [gen], script: echo}\n'
  assert.deepEqual(expectErrors(await compileYaml(t, yaml)), [
    "'use' job needs 'gen' job, but 'gen' does not exist in the pipeline. This might be because of the only, except, or rules keywords. To need a job that sometimes does not exist in the pipeline, use needs:optional.",
  ])
  const optional = await compileYaml(t, yaml.replace('needs: [gen]', 'needs: [{job: gen, optional: true}]'))
  assert.deepEqual(layout(optional), { test: ['use'] })
  assert.deepEqual(needsOf(optional, 'use'), [])
})

test('case 67: an undefined need at lint time', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'use: {needs: [ghost], script: echo}\n')), ['jobs:use:needs: undefined need: ghost'])
})

test('case 68: a same-stage cycle and a self-need', async (t) => {
  const [cycle] = expectErrors(await compileYaml(t, 'a: {needs: [b], script: echo}\nb: {needs: [a], script: echo}\n'))
  assert.match(cycle ?? '', /^The pipeline has circular dependencies: /)
  assert.match(cycle ?? '', /"a"/)
  assert.match(cycle ?? '', /"b"/)
  assert.deepEqual(expectErrors(await compileYaml(t, 'a: {needs: [a], script: echo}\n')), ['The pipeline has circular dependencies: self-dependency: a'])
})

test('case 71: dependencies must be part of needs', async (t) => {
  const yaml = 'stages: [build, test]\na: {stage: build, script: echo}\nb: {stage: build, script: echo}\nt: {stage: test, needs: [a], dependencies: [b], script: echo}\n'
  assert.deepEqual(expectErrors(await compileYaml(t, yaml)), ['jobs:t dependencies the b should be part of needs'])
  assert.deepEqual(expectErrors(await compileYaml(t, 'x: {dependencies: [nope], script: echo}\n')), ['jobs:x:dependencies: undefined dependency: nope'])
})

test('case 86: at most 50 needs per job', async (t) => {
  let yaml = 'stages: [build, test]\n'
  for (let i = 1; i <= 51; i++) yaml += `j${i}: {stage: build, script: echo}\n`
  yaml += `t: {stage: test, needs: [${Array.from({ length: 51 }, (_, i) => `j${i + 1}`).join(', ')}], script: echo}\n`
  assert.deepEqual(expectErrors(await compileYaml(t, yaml)), [
    't: one job can only need 50 others, but you have listed 51. See needs keyword documentation for more details',
  ])
})

test('duplicated needs are an error', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'a: {script: echo}\nb: {needs: [a, a], script: echo}\n')), ['b has the following needs duplicated: a.'])
})

test('case 72: parallel N naming and needs on the base name', async (t) => {
  const result = await compileYaml(t, 'stages: [test, report]\nunit: {stage: test, parallel: 3, script: echo $CI_NODE_INDEX/$CI_NODE_TOTAL}\nsum:  {stage: report, needs: [unit], script: echo}\n')
  assert.deepEqual(layout(result), { test: ['unit 1/3', 'unit 2/3', 'unit 3/3'], report: ['sum'] })
  assert.deepEqual(needsOf(result, 'sum'), ['unit 1/3', 'unit 2/3', 'unit 3/3'])
  assert.equal(vars(job(result, 'unit 2/3')).CI_NODE_INDEX, '2')
  assert.equal(vars(job(result, 'unit 2/3')).CI_NODE_TOTAL, '3')
})

test('case 73: matrix naming with several variables and entries', async (t) => {
  const yaml = 'deploy:\n  stage: deploy\n  script: echo\n  parallel:\n    matrix:\n      - PROVIDER: aws\n        STACK: [monitoring, app1]\n      - PROVIDER: [gcp, vultr]\n        STACK: data\n'
  const result = await compileYaml(t, yaml)
  assert.deepEqual(layout(result), { deploy: ['deploy: [aws, monitoring]', 'deploy: [aws, app1]', 'deploy: [gcp, data]', 'deploy: [vultr, data]'] })
  assert.deepEqual(expectPlan(result).jobs.map((j) => [j.nodeIndex, j.nodeTotal]), [[1, 4], [2, 4], [3, 4], [4, 4]])
})

test('case 74: matrix product order and numbers as strings', async (t) => {
  const result = await compileYaml(t, 't:\n  script: echo\n  parallel:\n    matrix:\n      - V: [1, 2]\n        OS: [a, b]\n')
  assert.deepEqual(layout(result), { test: ['t: [1, a]', 't: [1, b]', 't: [2, a]', 't: [2, b]'] })
  assert.equal(vars(job(result, 't: [2, a]')).V, '2')
})

test('duplicate matrix combinations collapse into one job, as GitLab keys instances by name', async (t) => {
  // `{A: "x, y"}` prints the same name as `{A: x, B: y}`; `A: [x, x]` repeats a combination.
  const yaml = 'm:\n  script: echo\n  parallel:\n    matrix:\n      - A: [x, x, z]\n      - A: "x, y"\n      - A: x\n        B: y\nafter:\n  needs: [m]\n  script: echo\n'
  const result = await compileYaml(t, yaml)
  assert.deepEqual(layout(result).test, ['m: [x]', 'm: [z]', 'm: [x, y]', 'after'])
  // The surviving job is the last duplicate (index 5 of 5 for `m: [x, y]`), placed where the first one was.
  assert.deepEqual(expectPlan(result).jobs.slice(0, 3).map((j) => [j.name, j.nodeIndex, j.nodeTotal, j.matrix]), [
    ['m: [x]', 2, 5, { A: 'x' }],
    ['m: [z]', 3, 5, { A: 'z' }],
    ['m: [x, y]', 5, 5, { A: 'x', B: 'y' }],
  ])
  assert.equal(vars(job(result, 'm: [x, y]')).B, 'y')
  assert.deepEqual(needsOf(result, 'after'), ['m: [x]', 'm: [z]', 'm: [x, y]'])
})

test('case 75: needs:parallel:matrix selects instances', async (t) => {
  const yaml = `stages: [build, test]
build:
  stage: build
  script: echo
  parallel:
    matrix:
      - OS: [linux, mac]
        ARCH: [x64, arm]
test-linux:
  stage: test
  script: echo
  needs:
    - job: build
      parallel:
        matrix:
          - OS: linux
            ARCH: x64
          - OS: linux
            ARCH: arm
`
  const result = await compileYaml(t, yaml)
  assert.deepEqual(layout(result).build, ['build: [linux, x64]', 'build: [linux, arm]', 'build: [mac, x64]', 'build: [mac, arm]'])
  assert.deepEqual(needsOf(result, 'test-linux'), ['build: [linux, x64]', 'build: [linux, arm]'])
})

test('C-06 depending on one instance of a parallel:matrix job by name', async (t) => {
  const yaml = `stages: [compile, test]
compile:
  stage: compile
  parallel:
    matrix:
      - ARCH: [amd64, arm64]
  script: [echo "$ARCH" > arch-$ARCH.txt]
  artifacts: {paths: ["arch-*.txt"]}
check:
  stage: compile
  parallel:
    matrix:
      - OS: linux
        ARCH: amd64
  script: [echo "$OS $ARCH"]
test-amd64:
  stage: test
  needs: ["compile: [amd64]"]
  script: [ls arch-*.txt]
`
  const result = await compileYaml(t, yaml)
  assert.deepEqual(layout(result), { compile: ['compile: [amd64]', 'compile: [arm64]', 'check: [linux, amd64]'], test: ['test-amd64'] })
  assert.deepEqual(job(result, 'test-amd64').needs, [{ job: 'compile: [amd64]', artifacts: true, optional: false }])
  assert.deepEqual(job(result, 'compile: [amd64]').artifacts?.paths, ['arch-*.txt'])
  assert.deepEqual(expectErrors(await compileYaml(t, yaml.replace('compile: [amd64]"', 'compile: [x86]"'))), ['jobs:test-amd64:needs: undefined need: compile: [x86]'])
})

test('C-23 needs edge cases at compile time: optional need on a never job, object form keeps artifacts', async (t) => {
  const yaml = `stages: [build, test, final]
never-built:
  stage: build
  rules: [{when: never}]
  script: [echo > skipped.txt]
  artifacts: {paths: [skipped.txt]}
build:
  stage: build
  script: [echo built-ok > out.txt]
  artifacts: {paths: [out.txt]}
broken:
  stage: test
  script: [exit 1]
  artifacts: {paths: [never-created.txt]}
use:
  stage: test
  needs:
    - job: build
    - job: never-built
      optional: true
  script: [cat out.txt]
cleanup:
  stage: final
  when: always
  script: [ls; echo cleaned]
`
  const result = await compileYaml(t, yaml)
  assert.deepEqual(layout(result), { build: ['build'], test: ['broken', 'use'], final: ['cleanup'] })
  assert.deepEqual(job(result, 'use').needs, [{ job: 'build', artifacts: true, optional: false }])
  assert.equal(job(result, 'broken').artifacts?.when, 'on_success')
  assert.equal(job(result, 'cleanup').when, 'always')
  const strict = await compileYaml(t, yaml.replace('      optional: true\n', ''))
  assert.deepEqual(expectErrors(strict), [
    "'use' job needs 'never-built' job, but 'never-built' does not exist in the pipeline. This might be because of the only, except, or rules keywords. To need a job that sometimes does not exist in the pipeline, use needs:optional.",
  ])
})

test('parallel and matrix limits are validated', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'j: {parallel: 201, script: echo}\n')), ['jobs:j:parallel: config must be less than or equal to 200'])
  assert.deepEqual(expectErrors(await compileYaml(t, 'j: {parallel: x, script: echo}\n')), ['jobs:j:parallel: should be an integer or a hash'])
  assert.deepEqual(expectErrors(await compileYaml(t, 'j: {parallel: {matrix: [{A: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15], B: [1,2,3,4,5,6,7,8,9,10,11,12,13,14]}]}, script: echo}\n')), [
    'jobs:j:parallel:matrix: config generates too many jobs (maximum is 200)',
  ])
})

test('$[[ matrix.NAME ]] in needs:parallel:matrix pairs each matrix instance with the producer of the same values', async (t) => {
  const yaml = `spec:
  inputs:
    arch: {default: x64}
---
stages: [build, test]
build:
  stage: build
  script: echo
  parallel:
    matrix:
      - OS: [linux, mac]
        ARCH: [x64, arm]
test:
  stage: test
  script: echo
  parallel:
    matrix:
      - OS: [linux, mac]
  needs:
    - job: build
      parallel:
        matrix:
          - OS: $[[ matrix.OS ]]
            ARCH: $[[ inputs.arch ]]
`
  const result = await compileYaml(t, yaml)
  assert.deepEqual(layout(result).test, ['test: [linux]', 'test: [mac]'])
  assert.deepEqual(needsOf(result, 'test: [linux]'), ['build: [linux, x64]'])
  assert.deepEqual(needsOf(result, 'test: [mac]'), ['build: [mac, x64]'])
})

test('$[[ matrix.NAME ]] naming a variable the matrix lacks is an error, reported once', async (t) => {
  const yaml = 'b:\n  stage: build\n  script: echo\n  parallel: {matrix: [{OS: [linux, mac]}]}\nt:\n  script: echo\n  parallel: {matrix: [{OS: [linux, mac]}]}\n  needs: [{job: b, parallel: {matrix: [{OS: "$[[ matrix.ARCH ]]"}]}}]\n'
  assert.deepEqual(expectErrors(await compileYaml(t, yaml)), ["t job: 'ARCH' does not exist in matrix configuration"])
})
