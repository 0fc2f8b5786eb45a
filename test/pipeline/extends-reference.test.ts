import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileYaml, expectErrors, job, layout, vars } from './helpers/repo.js'

test('case 10: !reference splices a list into script', async (t) => {
  const yaml = '.setup:\n  script: [echo one, echo two]\njob:\n  script:\n    - !reference [.setup, script]\n    - echo three\n'
  assert.deepEqual(job(await compileYaml(t, yaml), 'job').script, ['echo one', 'echo two', 'echo three'])
})

test('case 11: a !reference to a missing path is an error naming the path', async (t) => {
  const yaml = '.x:\n  script: [echo]\njob:\n  script: !reference [.x, before_script]\n'
  assert.deepEqual(expectErrors(await compileYaml(t, yaml)), ['!reference [".x", "before_script"] could not be found'])
})

test('case 12: a !reference cycle is an error, not a hang', async (t) => {
  const yaml = '.a:\n  script: !reference [.b, script]\n.b:\n  script: !reference [.a, script]\njob:\n  script: echo\n'
  assert.deepEqual(expectErrors(await compileYaml(t, yaml)), ['!reference [".b", "script"] is part of a circular chain'])
})

test('case 13: a !reference to a single variable', async (t) => {
  const yaml = '.vars:\n  variables:\n    URL: "http://x"\n    OTHER: "o"\njob:\n  variables:\n    URL: !reference [.vars, variables, URL]\n  script: echo $URL\n'
  assert.deepEqual(job(await compileYaml(t, yaml), 'job').yamlVariables, { URL: 'http://x' })
})

test('a malformed !reference is reported as not valid', async (t) => {
  const errors = expectErrors(await compileYaml(t, 'job:\n  script: !reference [1, 2]\n'))
  assert.deepEqual(errors, ['!reference [1, 2] is not valid'])
})

test('case 27: extends deep-merges hashes and replaces arrays', async (t) => {
  const yaml = `.base:
  stage: build
  script: [echo base]
  variables: {A: a, B: b}
  tags: [x]
job:
  extends: .base
  script: [echo job]
  variables: {B: B2}
`
  const result = await compileYaml(t, yaml)
  assert.deepEqual(layout(result), { build: ['job'] })
  assert.deepEqual(job(result, 'job').script, ['echo job'])
  assert.deepEqual(job(result, 'job').yamlVariables, { A: 'a', B: 'B2' })
  assert.deepEqual(job(result, 'job').tags, ['x'])
})

test('case 28: with several parents the later parent wins and the job wins over both', async (t) => {
  const yaml = `.a: {stage: build, variables: {X: a, Y: a}, script: [echo a]}
.b: {stage: deploy, variables: {X: b}}
job:
  extends: [.a, .b]
  variables: {Y: j}
`
  const result = await compileYaml(t, yaml)
  assert.deepEqual(layout(result), { deploy: ['job'] })
  assert.deepEqual(job(result, 'job').yamlVariables, { X: 'b', Y: 'j' })
  assert.deepEqual(job(result, 'job').script, ['echo a'])
})

test('case 29: an extends cycle names the entry met twice', async (t) => {
  const yaml = '.a: {extends: .b}\n.b: {extends: .a}\njob: {extends: .a, script: echo}\n'
  assert.deepEqual(expectErrors(await compileYaml(t, yaml)), ['jobs:.a: circular dependency detected in `extends`'])
})

test('case 30: extending an unknown entry is an error', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {extends: .nope, script: echo}\n')), ['jobs:job: unknown keys in `extends` (.nope)'])
})

test('case 87: eleven parents are allowed, an extends below them is too deep', async (t) => {
  const chain = (lastExtends: boolean): string => {
    let yaml = 'job: {extends: .p1}\n'
    for (let i = 1; i <= 10; i++) yaml += `.p${i}: {extends: .p${i + 1}}\n`
    yaml += lastExtends ? '.p11: {extends: .p12}\n.p12: {script: echo}\n' : '.p11: {script: echo}\n'

    return yaml
  }
  assert.deepEqual(expectErrors(await compileYaml(t, chain(true))), ['jobs:.p11: nesting too deep in `extends`'])
  assert.deepEqual(layout(await compileYaml(t, chain(false))), { test: ['job'] })
})

test('case 88: !reference sees values obtained through extends', async (t) => {
  const yaml = '.base:\n  script: [echo base]\n.mid:\n  extends: .base\njob:\n  script:\n    - !reference [.mid, script]\n    - echo job\n'
  assert.deepEqual(job(await compileYaml(t, yaml), 'job').script, ['echo base', 'echo job'])
})

test('case 89: a !reference value is opaque to extends merging', async (t) => {
  const yaml = '.vars:\n  variables: {A: "1", B: "1"}\n.parent:\n  variables: !reference [.vars, variables]\njob:\n  extends: .parent\n  variables: {C: "3"}\n  script: echo\n'
  assert.deepEqual(job(await compileYaml(t, yaml), 'job').yamlVariables, { C: '3' })
})

test('C-04 extends onto a template whose variables is a !reference keeps only the job map', async (t) => {
  const yaml = `.common-vars:
  variables:
    REGION: north
.base:
  variables: !reference [.common-vars, variables]
deploy:
  extends: .base
  variables:
    TARGET: blue
  script:
    - echo "$REGION-$TARGET"
`
  const deploy = job(await compileYaml(t, yaml), 'deploy')
  assert.deepEqual(deploy.yamlVariables, { TARGET: 'blue' })
  assert.equal(vars(deploy).REGION, undefined)
  // The same kind of input with single-entry references does combine both values.
  const combined = yaml.replace('    TARGET: blue', '    TARGET: blue\n    REGION: !reference [.common-vars, variables, REGION]')
  assert.deepEqual(job(await compileYaml(t, combined), 'deploy').yamlVariables, { TARGET: 'blue', REGION: 'north' })
})

test('C-05 extends as a string, multi-level, multi-parent merge order', async (t) => {
  const yaml = `.a:
  variables: {X: a, Y: a}
  script: [echo a1, echo a2]
  before_script: [echo hi]
.b:
  variables: {Y: b}
  tags: [b]
mid:
  extends: [.a, .b]
  variables: {Z: mid}
leaf:
  extends: mid
  script: [echo "leaf $CI_JOB_NAME"]
`
  const result = await compileYaml(t, yaml)
  const mid = job(result, 'mid')
  const leaf = job(result, 'leaf')
  assert.deepEqual(mid.yamlVariables, { X: 'a', Y: 'b', Z: 'mid' })
  assert.deepEqual(mid.script, ['echo a1', 'echo a2'])
  assert.deepEqual(mid.beforeScript, ['echo hi'])
  assert.deepEqual(mid.tags, ['b'])
  assert.deepEqual(leaf.yamlVariables, { X: 'a', Y: 'b', Z: 'mid' })
  assert.deepEqual(leaf.beforeScript, ['echo hi'])
  assert.deepEqual(leaf.tags, ['b'])
  assert.deepEqual(leaf.script, ['echo "leaf $CI_JOB_NAME"'])
  assert.equal(vars(leaf).CI_JOB_NAME, 'leaf')
})

test('case 32: default applies only to keys the job lacks, and extends blocks the default', async (t) => {
  const yaml = `default:
  image: alpine:3
  before_script: [echo default]
.base:
  before_script: [echo base]
a: {script: echo}
b: {extends: .base, script: echo}
c: {image: debian, script: echo, inherit: {default: [before_script]}}
d: {script: echo, inherit: {default: false}}
`
  const result = await compileYaml(t, yaml)
  assert.deepEqual(layout(result), { test: ['a', 'b', 'c', 'd'] })
  assert.equal(job(result, 'a').image?.name, 'alpine:3')
  assert.deepEqual(job(result, 'a').beforeScript, ['echo default'])
  assert.equal(job(result, 'b').image?.name, 'alpine:3')
  assert.deepEqual(job(result, 'b').beforeScript, ['echo base'])
  assert.equal(job(result, 'c').image?.name, 'debian')
  assert.deepEqual(job(result, 'c').beforeScript, ['echo default'])
  assert.equal(job(result, 'd').image, undefined)
  assert.deepEqual(job(result, 'd').beforeScript, [])
})

test('case 33: inherit:variables false or a list filters global variables', async (t) => {
  const result = await compileYaml(t, 'variables: {A: "1", B: "2"}\nx: {script: echo, inherit: {variables: false}}\ny: {script: echo, inherit: {variables: [B]}}\n')
  assert.equal(vars(job(result, 'x')).A, undefined)
  assert.equal(vars(job(result, 'x')).B, undefined)
  assert.equal(vars(job(result, 'y')).A, undefined)
  assert.equal(vars(job(result, 'y')).B, '2')
})

test('case 34: variables is not a default key', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'default:\n  variables: {A: "1"}\njob: {script: echo}\n')), ['default: config contains unknown keys: variables'])
})

test('a key given both at top level and under default is an error', async (t) => {
  const errors = expectErrors(await compileYaml(t, 'image: a\ndefault:\n  image: b\njob: {script: echo}\n'))
  assert.deepEqual(errors, ['image: is defined in top-level and `default:` entry'])
})

test('C-21 nested !reference in script lists, defined in any order, and string scripts', async (t) => {
  const yaml = `default:
  after_script:
    - !reference [.snips, bye]
top-job:
  before_script: !reference [.wrap, pre]
  script:
    - !reference [.mid, script]
    - echo last
.mid:
  script:
    - echo mid
    - !reference [.snips, hello]
.wrap:
  pre:
    - !reference [.snips, hello]
.snips:
  hello: [echo hello-1, echo hello-2]
  bye: echo bye
string-job:
  before_script: echo pre
  script: echo main
  after_script: echo post
`
  const result = await compileYaml(t, yaml)
  const top = job(result, 'top-job')
  assert.deepEqual(top.beforeScript, ['echo hello-1', 'echo hello-2'])
  assert.deepEqual(top.script, ['echo mid', 'echo hello-1', 'echo hello-2', 'echo last'])
  assert.deepEqual(top.afterScript, ['echo bye'])
  const single = job(result, 'string-job')
  assert.deepEqual([single.beforeScript, single.script, single.afterScript], [['echo pre'], ['echo main'], ['echo post']])
  const missing = yaml.replace('[.snips, bye]', '[.snips, gone]')
  assert.deepEqual(expectErrors(await compileYaml(t, missing)), ['!reference [".snips", "gone"] could not be found'])
})
