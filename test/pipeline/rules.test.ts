import assert from 'node:assert/strict'
import { test } from 'node:test'
import { evaluateExpression, ExpressionSyntaxError, parseExpression } from '../../src/pipeline/index.js'
import { commitAll, compileYaml, expectErrors, expectPlan, gitIn, job, layout, makeRepo, vars, writeFiles } from './helpers/repo.js'
import { compilePipeline } from '../../src/pipeline/index.js'

const NO_JOBS = 'Pipeline will not run for the selected trigger. The rules configuration prevented any jobs from being added to the pipeline.'
const names = (result: Awaited<ReturnType<typeof compileYaml>>): string[] => expectPlan(result).jobs.map((j) => j.name)

function holds(expression: string, variables: Record<string, string>): boolean {
  return evaluateExpression(parseExpression(expression), { variables: new Map(Object.entries(variables)) })
}

test('C-01 a regex kept in a variable on the right of =~ and !~', async (t) => {
  const yaml = `variables:
  RELEASE_REF: '/^(trunk|stable)$/'
publish:
  script: [echo publish]
  rules:
    - if: $CI_COMMIT_REF_NAME =~ $RELEASE_REF
keep-off-release:
  script: [echo other]
  rules:
    - if: $CI_COMMIT_REF_NAME !~ $RELEASE_REF
`
  const stable = await compileYaml(t, yaml, { branch: 'stable' })
  assert.deepEqual(names(stable), ['publish'])
  assert.equal(job(stable, 'publish').when, 'on_success')
  assert.deepEqual(names(await compileYaml(t, yaml, { branch: 'feature/login' })), ['keep-off-release'])
  // the whole kind: flags and quoted strings in /.../ form also become regexes
  assert.equal(holds('$R =~ $P', { R: 'STABLE', P: '/^stable$/i' }), true)
  assert.equal(holds('$R =~ "/^sta/"', { R: 'stable' }), true)
})

test('C-02 an escaped slash inside a regex literal belongs to the pattern', async (t) => {
  const yaml = "build:\n  script: [echo ok]\n  rules:\n    - if: '$CI_COMMIT_REF_NAME =~ /^(develop$|release\\/.*|main$)/'\n"
  for (const [branch, expected] of [['release/2.1', ['build']], ['develop', ['build']]] as const) {
    assert.deepEqual(names(await compileYaml(t, yaml, { branch })), expected, branch)
  }
  for (const ref of ['releases', 'main2']) {
    assert.equal(holds('$CI_COMMIT_REF_NAME =~ /^(develop$|release\\/.*|main$)/', { CI_COMMIT_REF_NAME: ref }), false, ref)
  }
  assert.equal(holds('$A =~ /a\\/b/ && $B =~ /c\\/d/', { A: 'xa/b', B: 'c/d' }), true)
})

test('C-03 a $ at the end of a pattern is an anchor and the i flag ignores case', () => {
  const cases: Array<[string, boolean, boolean]> = [
    ['urgent-hotfix', true, false],
    ['hotfix-2', false, false],
    ['Release-9', false, true],
    ['RELEASE-10', false, true],
    ['prerelease-1', false, false],
  ]
  for (const [branch, hotfix, release] of cases) {
    const v = { CI_COMMIT_BRANCH: branch }
    assert.equal(holds('$CI_COMMIT_BRANCH =~ /hotfix$/', v), hotfix, branch)
    assert.equal(holds('$CI_COMMIT_BRANCH =~ /^release-/i', v), release, branch)
  }
})

test('C-03 through the compiler: urgent-hotfix keeps only hotfix-only', async (t) => {
  const yaml = 'hotfix-only:\n  script: [echo hf]\n  rules:\n    - if: $CI_COMMIT_BRANCH =~ /hotfix$/\nrelease-any-case:\n  script: [echo rel]\n  rules:\n    - if: $CI_COMMIT_BRANCH =~ /^release-/i\n'
  assert.deepEqual(names(await compileYaml(t, yaml, { branch: 'urgent-hotfix' })), ['hotfix-only'])
  assert.deepEqual(names(await compileYaml(t, yaml, { branch: 'RELEASE-10' })), ['release-any-case'])
})

test('C-22 undefined, empty and null variables in rules:if, and ${VAR} is invalid', async (t) => {
  const yaml = `variables:
  EMPTY_ONE:
  EMPTY_TWO: ""
a-undef-regex:
  script: [echo a]
  rules: [{if: '$CI_PIPELINE_SOURCE && $NOT_SET =~ /^rc-/'}]
b-undef-null:
  script: [echo b]
  rules: [{if: '$NOT_SET == null && $EMPTY_ONE == ""'}]
c-empty-truthy:
  script: [echo c]
  rules: [{if: '$EMPTY_TWO || $EMPTY_ONE'}]
d-negated:
  script: [echo d]
  rules: [{if: '$NOT_SET !~ /^rc-/'}]
`
  assert.deepEqual(names(await compileYaml(t, yaml)), ['b-undef-null', 'd-negated'])
  assert.equal(holds('$NOT_SET =~ /^$/', {}), true)
  const bad = await compileYaml(t, "job:\n  rules: [{if: '${GITLAB_CI} == \"true\"'}]\n  script: echo\n")
  assert.deepEqual(expectErrors(bad), ['jobs:job:rules:rule: if invalid expression syntax'])
})

test('invalid expressions are refused at lint time', () => {
  for (const expression of ['$A = "x"', '$A == main', '${A} == "x"', '($A == "x"', '$A ==', '$A =~ /a/', '$A =~ /ab/g', '$A =~ /(?=x)y/', '$A =~ //']) {
    assert.throws(() => parseExpression(expression), ExpressionSyntaxError, expression)
  }
  for (const expression of ['$A =~ "main"', '"main" == $B', '$A', '($A || $B) && $C != null', '$A =~ /ab/imsU']) {
    assert.doesNotThrow(() => parseExpression(expression), expression)
  }
})

test('RE2 translation: \\A, \\z, POSIX classes, named groups and the ungreedy flag', () => {
  assert.equal(holds('$A =~ /\\Afoo\\z/', { A: 'foo' }), true)
  assert.equal(holds('$A =~ /\\Afoo\\z/', { A: 'foo\n' }), false)
  assert.equal(holds('$A =~ /^[[:digit:]]+$/', { A: '123' }), true)
  assert.equal(holds('$A =~ /(?P<x>ab)c/', { A: 'abc' }), true)
  assert.equal(holds('$A =~ /^(?i)abc$/', { A: 'ABC' }), true)
  assert.equal(holds('$A =~ /^x$/', { A: 'a\nx' }), false)
  assert.equal(holds('$A =~ /^x$/m', { A: 'a\nx' }), true)
})

test('case 43: the first matching rule wins', async (t) => {
  const yaml = 'job:\n  rules:\n    - if: $CI_COMMIT_BRANCH == "main"\n      when: never\n    - when: always\n  script: echo\nother: {script: echo}\n'
  assert.deepEqual(names(await compileYaml(t, yaml)), ['other'])
  const dev = await compileYaml(t, yaml, { branch: 'dev' })
  assert.deepEqual(names(dev), ['job', 'other'])
  assert.equal(job(dev, 'job').when, 'always')
})

test('case 44: no matching rule drops the job; job-level manual makes it non-blocking', async (t) => {
  const yaml = 'a:\n  when: manual\n  rules: [{if: $CI_COMMIT_BRANCH == "main"}]\n  script: echo\nb:\n  rules: [{if: $CI_COMMIT_BRANCH == "nope"}]\n  script: echo\n'
  const result = await compileYaml(t, yaml)
  assert.deepEqual(names(result), ['a'])
  assert.equal(job(result, 'a').when, 'manual')
  assert.equal(job(result, 'a').allowFailure, true)
})

test('case 45: regex flags and unanchored matching', async (t) => {
  const yaml = `i-flag:   {rules: [{if: '$CI_COMMIT_BRANCH =~ /^FEATURE\\//i'}], script: echo}
no-flag:  {rules: [{if: '$CI_COMMIT_BRANCH =~ /^FEATURE\\//'}], script: echo}
substr:   {rules: [{if: '$CI_COMMIT_BRANCH =~ /log/i'}], script: echo}
negated:  {rules: [{if: '$CI_COMMIT_BRANCH !~ /^release/'}], script: echo}
`
  assert.deepEqual(names(await compileYaml(t, yaml, { branch: 'feature/Login' })), ['i-flag', 'substr', 'negated'])
})

test('case 46: a regex from a variable', async (t) => {
  const yaml = "variables:\n  RE: '/^rel-\\d+$/'\njob:\n  rules: [{if: $CI_COMMIT_BRANCH =~ $RE}]\n  script: echo\n"
  assert.deepEqual(names(await compileYaml(t, yaml, { branch: 'rel-12' })), ['job'])
})

test('case 47: a right operand that is not a regex uses the substring quirk', async (t) => {
  const yaml = 'variables: {L: "23", R: "1234"}\nyes-job: {rules: [{if: $L =~ $R}], script: echo}\nno-job:  {rules: [{if: $R =~ $L}], script: echo}\n'
  assert.deepEqual(names(await compileYaml(t, yaml)), ['yes-job'])
  assert.equal(holds('$L =~ $R', { L: '/23/', R: '1234' }), false)
})

test('case 48: null and empty values', async (t) => {
  const yaml = `variables: {EMPTY: ""}
a: {rules: [{if: $UNDEF == null}], script: echo}
b: {rules: [{if: $EMPTY == null}], script: echo}
c: {rules: [{if: $EMPTY == ""}], script: echo}
d: {rules: [{if: $EMPTY}], script: echo}
e: {rules: [{if: $UNDEF =~ /^$/}], script: echo}
f: {rules: [{if: $UNDEF != "x"}], script: echo}
`
  assert.deepEqual(names(await compileYaml(t, yaml)), ['a', 'c', 'e', 'f'])
})

test('case 49: && binds tighter than ||, parentheses group', async (t) => {
  const yaml = `variables: {A: "1", B: "0", C: "0"}
p: {rules: [{if: '$A == "1" || $B == "1" && $C == "1"'}], script: echo}
q: {rules: [{if: '($A == "1" || $B == "1") && $C == "1"'}], script: echo}
`
  assert.deepEqual(names(await compileYaml(t, yaml)), ['p'])
})

test('case 50: variables inside if are compared unexpanded', async (t) => {
  const yaml = 'variables: {A: "x", B: "$A"}\nlit: {rules: [{if: $B == "$A"}], script: echo}\nexp: {rules: [{if: $B == "x"}], script: echo}\n'
  assert.deepEqual(names(await compileYaml(t, yaml)), ['lit'])
})

test('case 52: rules cannot be combined with only', async (t) => {
  const errors = expectErrors(await compileYaml(t, 'job:\n  only: [main]\n  rules: [{when: always}]\n  script: echo\n'))
  assert.deepEqual(errors, ['jobs:job: config key may not be used with `rules`: only'])
})

test('case 53: rules:changes is true on a first push and uses the diff with a before SHA', async (t) => {
  const yaml = 'docs:\n  rules: [{changes: ["docs/**/*"]}]\n  script: echo\n'
  const dir = makeRepo(t, { '.gitlab-ci.yml': yaml, 'docs/a.md': 'a' })
  assert.deepEqual(expectPlan(await compilePipeline({ projectDir: dir })).jobs.map((j) => j.name), ['docs'])
  writeFiles(dir, { 'src/a.c': 'int x;' })
  commitAll(dir)
  const before = gitIn(dir, ['rev-parse', 'HEAD~1']).trim()
  assert.deepEqual(expectErrors(await compilePipeline({ projectDir: dir, git: { beforeSha: before } })), [NO_JOBS])
  writeFiles(dir, { 'docs/deep/b.md': 'b' })
  commitAll(dir)
  const before2 = gitIn(dir, ['rev-parse', 'HEAD~1']).trim()
  assert.deepEqual(expectPlan(await compilePipeline({ projectDir: dir, git: { beforeSha: before2 } })).jobs.map((j) => j.name), ['docs'])
})

test('case 54: rules:exists looks at the committed tree', async (t) => {
  const yaml = 'docker: {rules: [{exists: [Dockerfile]}], script: echo}\ngo:     {rules: [{exists: ["**/*.go"]}], script: echo}\nnode:   {rules: [{exists: [package.json]}], script: echo}\n'
  const result = await compileYaml(t, yaml, { files: { Dockerfile: 'FROM x', 'src/app/main.go': 'package main' } })
  assert.deepEqual(names(result), ['docker', 'go'])
})

test('case 55: rule attributes replace needs, allow failure and add variables', async (t) => {
  const yaml = `stages: [build, test]
b1: {stage: build, script: echo}
b2: {stage: build, script: echo}
t:
  needs: [b1, b2]
  rules:
    - if: $CI_COMMIT_BRANCH == "main"
      needs: [b2]
      allow_failure: true
      variables: {MODE: fast}
  script: exit 1
`
  const result = await compileYaml(t, yaml)
  assert.deepEqual(layout(result), { build: ['b1', 'b2'], test: ['t'] })
  assert.deepEqual(job(result, 't').needs, [{ job: 'b2', artifacts: true, optional: false }])
  assert.equal(job(result, 't').allowFailure, true)
  assert.equal(vars(job(result, 't')).MODE, 'fast')
  assert.equal(job(result, 't').rule?.index, 0)
})

test('case 56: workflow rules filter the pipeline by source', async (t) => {
  const yaml = 'workflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == "merge_request_event"\njob: {script: echo}\n'
  assert.deepEqual(expectErrors(await compileYaml(t, yaml)), ['Pipeline filtered out by workflow rules.'])
  assert.deepEqual(names(await compileYaml(t, yaml, { source: 'merge_request_event' })), ['job'])
})

test('case 57: workflow when never first, then a catch-all, and the pipeline name', async (t) => {
  const yaml = 'workflow:\n  name: "Pipeline for $CI_COMMIT_REF_NAME"\n  rules:\n    - if: $CI_COMMIT_BRANCH =~ /^wip-/\n      when: never\n    - when: always\njob: {script: echo}\n'
  assert.deepEqual(expectErrors(await compileYaml(t, yaml, { branch: 'wip-x' })), ['Pipeline filtered out by workflow rules.'])
  const main = await compileYaml(t, yaml)
  assert.equal(expectPlan(main).name, 'Pipeline for main')
  assert.equal(vars(job(main, 'job')).CI_PIPELINE_NAME, 'Pipeline for main')
})

test('case 58: default only is branches and tags; except and only hashes', async (t) => {
  const yaml = `a: {script: echo}
b: {only: [tags], script: echo}
c: {except: [main], script: echo}
d: {only: {refs: ['/^ma/'], variables: ['$CI_COMMIT_BRANCH == "main"']}, script: echo}
`
  assert.deepEqual(names(await compileYaml(t, yaml)), ['a', 'd'])
  assert.deepEqual(names(await compileYaml(t, yaml, { branch: 'dev' })), ['a', 'c'])
})

test('case 59: all jobs excluded by only/except', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'job: {only: [schedules], script: echo}\n')), ['No stages / jobs for this pipeline.'])
  assert.deepEqual(names(await compileYaml(t, 'job: {only: [schedules], script: echo}\n', { source: 'schedule' })), ['job'])
})

test('case 90: workflow rule variables are visible to job rules; delayed jobs keep start_in', async (t) => {
  const yaml = `workflow:
  rules:
    - if: $CI_COMMIT_BRANCH == "main"
      variables: {DEPLOY: "yes"}
    - when: always
deploy:
  rules:
    - if: $DEPLOY == "yes"
      when: delayed
      start_in: 5 minutes
  script: echo
`
  const main = await compileYaml(t, yaml)
  assert.equal(job(main, 'deploy').when, 'delayed')
  assert.equal(job(main, 'deploy').startIn, '5 minutes')
  assert.deepEqual(expectErrors(await compileYaml(t, yaml, { branch: 'dev' })), [NO_JOBS])
})

test('a last rule with only when and no workflow:rules gives a warning, not an error', async (t) => {
  const result = await compileYaml(t, 'job:\n  rules: [{when: always}]\n  script: echo\n')
  assert.equal(result.warnings.some((w) => w.startsWith('jobs:job may allow multiple pipelines')), true)
})

test('rule keys and values are validated', async (t) => {
  assert.deepEqual(expectErrors(await compileYaml(t, 'job:\n  rules: [{iff: x}]\n  script: echo\n')), ['jobs:job:rules:rule: config contains unknown keys: iff'])
  assert.deepEqual(expectErrors(await compileYaml(t, 'job:\n  rules: [{when: later}]\n  script: echo\n')), ['jobs:job:rules:rule: when unknown value: later'])
  assert.deepEqual(expectErrors(await compileYaml(t, 'job:\n  rules: []\n  script: echo\n')), ["jobs:job:rules: config can't be blank"])
})
