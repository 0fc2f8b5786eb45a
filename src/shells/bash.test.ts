import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { userStepScript, type StageScriptContext } from './stage-scripts.js'

function context(overrides: Partial<StageScriptContext> = {}): StageScriptContext {
  return {
    dialect: { shell: 'bash', posixEscapes: false, exitCodeCheck: false },
    outer: { debugTrace: false, legacyEval: false },
    variables: [{ key: 'A', value: 'x y', file: false }],
    projectDir: '/b/t/0/g/p',
    tmpDir: '/b/t/0/g/p.tmp',
    scriptSections: false,
    ...overrides,
  }
}

const INNER =
  "export A=$'x y'\n" +
  'export GITLAB_ENV=/b/t/0/g/p.tmp/gitlab_runner_env\n' +
  'mkdir -p "/b/t/0/g/p.tmp"\n' +
  'touch "/b/t/0/g/p.tmp/gitlab_runner_env"\n' +
  'while read -r line; do export "$line"; done < "/b/t/0/g/p.tmp/gitlab_runner_env"\n' +
  'cd /b/t/0/g/p\n' +
  "echo $'\\x1b[32;1m$ echo hello\\x1b[0;m'\n" +
  'echo hello\n'

function escapeForEval(inner: string): string {
  return inner.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\x1b/g, '\\x1b')
}

test('a small bash job script has the exact outer layout and inner script', () => {
  const script = userStepScript(context(), { blocks: [{ prefix: 'script_step', commands: ['echo hello'] }], afterScript: false })
  const expected =
    '#!/usr/bin/env bash\n\n' +
    "trap 'exit 1' TERM\n\n" +
    'case "$(set -o)" in *"pipefail"*) set -o pipefail;; esac; set -o errexit\n' +
    'set +o noclobber\n' +
    `(trap 'exit 1' TERM; eval $'${escapeForEval(INNER)}') < /dev/null\n` +
    'exit 0\n'
  assert.equal(script, expected)
})

test('CI_DEBUG_TRACE adds xtrace before errexit and the legacy flag uses the piped eval', () => {
  const script = userStepScript(context({ outer: { debugTrace: true, legacyEval: true } }), {
    blocks: [{ prefix: 'script_step', commands: ['true'] }],
    afterScript: false,
  }) ?? ''
  assert.match(script, /\n\nset -o xtrace\ncase "\$\(set -o\)"/)
  assert.match(script, /\n: \| eval \$'/)
})

test('multi-line commands are announced as collapsed, or as a script section when sections are on', () => {
  const blocks = [{ prefix: 'script_step', commands: ['echo a\necho b'] }]
  const collapsed = userStepScript(context(), { blocks, afterScript: false }) ?? ''
  assert.ok(collapsed.includes('$ echo a # collapsed multi-line command'))

  const sectioned = userStepScript(context({ scriptSections: true }), { blocks, afterScript: false }) ?? ''
  assert.ok(sectioned.includes('section_script_step_0[hide_duration=true,collapsed=true]'))
  assert.ok(!sectioned.includes('collapsed multi-line command'))
})

test('the sh dialect starts with the sh shebang, uses no $-quotes and runs under dash', () => {
  const script = userStepScript(context({ dialect: { shell: 'sh', posixEscapes: true, exitCodeCheck: true }, projectDir: '/', tmpDir: tmpdir() + '/glr-bash-test.tmp' }), {
    blocks: [{ prefix: 'script_step', commands: ["echo \"it's $A\"", 'false', 'echo never'] }],
    afterScript: false,
  }) ?? ''
  assert.ok(script.startsWith('#!/usr/bin/env sh\n\n'))
  assert.ok(!script.includes("$'"))

  const run = spawnSync('dash', [], { input: script, encoding: 'utf8' })
  rmSync(tmpdir() + '/glr-bash-test.tmp', { recursive: true, force: true })
  assert.equal(run.stderr, '')
  assert.equal(run.status, 1)
  assert.ok(run.stdout.includes("it's x y\n"))
  assert.ok(!run.stdout.includes('never\n'))
})

test('a step without commands produces no script at all', () => {
  assert.equal(userStepScript(context(), { blocks: [{ prefix: 'script_step', commands: [] }], afterScript: false }), undefined)
})
