import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prepareScript, userStepScript, type StageScriptContext } from './stage-scripts.js'

function context(overrides: Partial<StageScriptContext> = {}): StageScriptContext {
  return {
    dialect: { shell: 'bash', posixEscapes: false, exitCodeCheck: false },
    outer: { debugTrace: false, legacyEval: false },
    variables: [],
    projectDir: '/b/p',
    tmpDir: '/b/p.tmp',
    scriptSections: false,
    ...overrides,
  }
}

function runBash(script: string, cwd: string): string {
  const result = spawnSync('bash', [], { input: script, cwd, encoding: 'utf8' })
  assert.equal(result.status, 0, result.stderr)

  return result.stdout.replace(/\x1b\[[0-9;]*m/g, '')
}

test('prepare_script names the runner-side host after "via", as data even when it looks like shell code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glr-prepare-'))
  try {
    const marker = join(dir, 'pwned')
    const hostname = `h"$(touch ${marker})"'\`touch ${marker}\``
    for (const shell of ['bash', 'sh'] as const) {
      const script = prepareScript(context({ dialect: { shell, posixEscapes: shell === 'sh', exitCodeCheck: false }, tmpDir: join(dir, 't') }), { hostname })
      const out = runBash(script, dir)
      assert.match(out, /^Running on .+ via /)
      assert.ok(out.includes(` via ${hostname}...\n`), out)
      assert.equal(existsSync(marker), false, `${shell}: the host name ran as code`)
    }
    assert.doesNotMatch(runBash(prepareScript(context({ tmpDir: join(dir, 't') })), dir), / via /)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('with a relative temp dir, file variables, GITLAB_ENV and temp-dir paths are exported as absolute paths', () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'glr-relative-')))
  try {
    mkdirSync(join(dir, 'builds/g/p'), { recursive: true })
    const script = userStepScript(
      context({
        projectDir: 'builds/g/p',
        tmpDir: 'builds/g/p.tmp',
        variables: [
          { key: 'A_FILE', value: 'file body', file: true },
          { key: 'TEMP_DIR', value: 'builds/g/p.tmp', file: false },
          { key: 'OTHER', value: 'builds/g/p.tmpx', file: false },
        ],
      }),
      { blocks: [{ prefix: 'script_step', commands: ['cd /', 'cat "$A_FILE"; echo', 'echo "env=$GITLAB_ENV"', 'echo "tmp=$TEMP_DIR"', 'echo "other=$OTHER"'] }], afterScript: false },
    ) ?? ''
    const out = runBash(script, dir)
    assert.ok(out.includes('file body\n'), out)
    assert.ok(out.includes(`env=${dir}/builds/g/p.tmp/gitlab_runner_env\n`), out)
    assert.ok(out.includes(`tmp=${dir}/builds/g/p.tmp\n`), out)
    assert.ok(out.includes('other=builds/g/p.tmpx\n'), 'only paths inside the temp dir change')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
