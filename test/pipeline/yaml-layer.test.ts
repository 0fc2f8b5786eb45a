import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadYaml } from '../../src/pipeline/yaml/load-yaml.js'
import { compileYaml, expectErrors, job, layout, vars } from './helpers/repo.js'

test('case 1: a minimal job goes to the test stage', async (t) => {
  assert.deepEqual(layout(await compileYaml(t, 'job:\n  script: echo hi\n')), { test: ['job'] })
})

test('case 2: default stage order puts .pre first and .post last', async (t) => {
  const yaml = `z-post: {stage: .post, script: x}
deploy: {stage: deploy, script: x}
build:  {stage: build, script: x}
a-pre:  {stage: .pre, script: x}
unit:   {script: x}
`
  assert.deepEqual(layout(await compileYaml(t, yaml)), {
    '.pre': ['a-pre'], build: ['build'], test: ['unit'], deploy: ['deploy'], '.post': ['z-post'],
  })
})

test('case 3: keys after a merge key win and the merge is shallow', async (t) => {
  const yaml = `.base: &base
  stage: build
  script: [echo base]
  variables: {A: "1", B: "1"}
job:
  <<: *base
  variables: {A: "2"}
`
  const result = await compileYaml(t, yaml)
  assert.deepEqual(layout(result), { build: ['job'] })
  assert.deepEqual(job(result, 'job').yamlVariables, { A: '2' })
})

test('case 4: a key before the merge key is overwritten, as Psych does', async (t) => {
  const yaml = `.base: &base
  stage: build
  script: [echo base]
job:
  stage: deploy
  <<: *base
`
  assert.deepEqual(layout(await compileYaml(t, yaml)), { build: ['job'] })
})

test('case 5: in a merge key list the first alias wins', async (t) => {
  const yaml = `.a: &a {stage: build, script: [echo a]}
.b: &b {stage: deploy, script: [echo b], tags: [t]}
job:
  <<: [*a, *b]
`
  const result = await compileYaml(t, yaml)
  assert.deepEqual(layout(result), { build: ['job'] })
  assert.deepEqual(job(result, 'job').script, ['echo a'])
  assert.deepEqual(job(result, 'job').tags, ['t'])
})

test('case 6: a duplicate job key keeps the last definition without error', async (t) => {
  const result = await compileYaml(t, 'job: {stage: build, script: echo 1}\njob: {script: echo 2}\n')
  assert.deepEqual(layout(result), { test: ['job'] })
  assert.deepEqual(job(result, 'job').script, ['echo 2'])
})

test('case 7: YAML 1.1 booleans are booleans and quoted yes stays a string', async (t) => {
  const result = await compileYaml(t, 'variables:\n  ENABLED: "yes"\njob:\n  script: echo $ENABLED\n  interruptible: yes\n')
  assert.equal(job(result, 'job').interruptible, true)
  assert.equal(vars(job(result, 'job')).ENABLED, 'yes')
})

test('case 8: hidden jobs are neither created nor validated', async (t) => {
  const yaml = '.tmpl:\n  foo: bar\n  script: 42\n.list: [1, 2]\njob:\n  script: echo ok\n'
  assert.deepEqual(layout(await compileYaml(t, yaml)), { test: ['job'] })
})

test('case 9: a configuration with only hidden jobs is refused', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, '.a:\n  script: echo\n')), ['jobs: config should contain at least one visible job'])
})

test('Psych scalar rules: legacy integers, base 60, octal, no 0o, floats need a point, y stays a string', () => {
  const { body } = loadYaml('a: 1,000\nb: 1:30\nc: 12:30:00\nd: 017\ne: 0o17\nf: 1e3\ng: 1.5e+3\nh: y\ni: TRUE\nj: Off\nk: ~\nl: !!str 123\nm: 0x1F\n', 'x.yml')
  assert.deepEqual(body, { a: 1000, b: 5400, c: 45000, d: 15, e: '0o17', f: '1e3', g: 1500, h: 'y', i: true, j: false, k: null, l: '123', m: 31 })
})

test('unquoted dates are refused like GitLab\'s safe loader', async (t) => {
  const errors = expectErrors(await compileYaml(t, 'job:\n  script: echo\n  variables:\n    WHEN: 2024-05-01\n'))
  assert.deepEqual(errors, ['Tried to load unspecified class: Date'])
})

test('unknown local tags are dropped and the plain value kept; ruby tags are refused', async (t) => {
  const result = await compileYaml(t, 'job:\n  script: !foo echo hi\n')
  assert.deepEqual(job(result, 'job').script, ['echo hi'])
  assert.equal(result.warnings.some((w) => w.includes('!foo')), true)
  const errors = expectErrors(await compileYaml(t, 'job:\n  script: !ruby/object:Foo {}\n'))
  assert.match(errors[0] ?? '', /^Tried to load unspecified class: /)
})

test('a YAML syntax error names the file, line and column', async (t) => {
  const result = await compileYaml(t, 'job:\n  script: [echo\n')
  const [error] = result.ok ? [] : result.errors
  assert.equal(error?.file, '.gitlab-ci.yml')
  // The file is in its field, not repeated as GitLab's `(.gitlab-ci.yml): ` prefix.
  assert.match(error?.message ?? '', new RegExp(`^[A-Z][^(]+ at line ${String(error?.line)} column \\d+$`))
})

test('a root that is not a mapping is an invalid configuration format', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, '- a\n- b\n')), ['Invalid configuration format'])
})

test('a merge key whose value is not a mapping stays a literal key and fails validation', async (t) => {
  const errors = expectErrors(await compileYaml(t, 'job:\n  <<: 3\n  script: echo\n'))
  assert.deepEqual(errors, ['jobs:job: config contains unknown keys: <<'])
})
