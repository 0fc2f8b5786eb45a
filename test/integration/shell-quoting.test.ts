/**
 * Values that reach generated scripts must arrive as data: random byte strings exported
 * as variables and printed as notices come out of real bash and dash byte for byte, and
 * nothing in them is ever executed.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { userStepScript, type StageScriptContext } from '../../src/shells/stage-scripts.js'
import { ScriptWriter, type PosixShell } from '../../src/shells/script-writer.js'
import { outerScript } from '../../src/shells/bash.js'

const SPECIALS = ["'", '"', '$', '`', '\\', '\n', '\r', '\t', ' ', '!', '#', '*', '?', '~', ';', '&', '|', '(', ')', '{', '}', '<', '>', '[', ']', '%', '-', '=', '\x1b', '\x01', '\x7f', 'é', '€', '😀', '$(touch pwned)', '`touch pwned`', '${HOME}', '%s', '\\n', '-n', '-e']

const codePoint = fc
  .integer({ min: 1, max: 0x10ffff })
  .filter((point) => point < 0xd800 || point > 0xdfff)
  .map((point) => String.fromCodePoint(point))
const piece = fc.oneof(fc.constantFrom(...SPECIALS), codePoint, fc.string({ maxLength: 4 }))
const value = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('').replace(/\0/g, ''))

function context(shell: PosixShell, dir: string, variables: { key: string; value: string; file: boolean }[]): StageScriptContext {
  return {
    dialect: { shell, posixEscapes: shell === 'sh', exitCodeCheck: false },
    outer: { debugTrace: false, legacyEval: false },
    variables,
    projectDir: dir,
    tmpDir: join(dir, 'tmp'),
    scriptSections: false,
  }
}

function run(shell: PosixShell, script: string, cwd: string): { status: number | null; stdout: Buffer; stderr: string } {
  const result = spawnSync(shell === 'sh' ? 'dash' : 'bash', [], { input: script, cwd })

  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString() }
}

for (const shell of ['bash', 'sh'] as const) {
  test(`random values exported as variables reach ${shell === 'sh' ? 'dash' : 'bash'} byte for byte and never run`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'glr-quote-'))
    try {
      fc.assert(
        fc.property(fc.array(value, { minLength: 1, maxLength: 8 }), (values) => {
          const variables = values.map((text, index) => ({ key: `V${index}`, value: text, file: index % 3 === 2 }))
          const commands = values.map((_, index) => `if [ -f "$V${index}" ] && [ "$V${index}" = "${join(dir, 'tmp')}/V${index}" ]; then cat "$V${index}"; else printf '%s' "$V${index}"; fi; printf '\\0'`)
          const script = userStepScript(context(shell, dir, variables), { blocks: [{ prefix: 'script_step', commands }], afterScript: false }) ?? ''
          const result = run(shell, script, dir)
          assert.equal(result.stderr, '')
          assert.equal(result.status, 0)
          const printed = result.stdout.toString('utf8').split('\0').slice(0, values.length)
          assert.deepEqual(printed.map((text) => text.replace(/^\x1b\[32;1m\$ [^\n]*\n/gm, '')), values)
          assert.equal(existsSync(join(dir, 'pwned')), false)
        }),
        { numRuns: 25 },
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test(`random notice texts (refs, job names, paths) are printed verbatim by ${shell === 'sh' ? 'dash' : 'bash'}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'glr-quote-'))
    try {
      fc.assert(
        fc.property(fc.array(value, { minLength: 1, maxLength: 8 }), (texts) => {
          const writer = new ScriptWriter({ shell, posixEscapes: shell === 'sh', exitCodeCheck: false })
          for (const text of texts) {
            writer.notice(`Checking out 01234567 as detached HEAD (ref is ${text})...`)
            writer.command('printf', '%s\\0', text)
          }
          const result = run(shell, outerScript(writer, { debugTrace: false, legacyEval: false }), dir)
          assert.equal(result.stderr, '')
          const expected = texts.map((text) => `\x1b[32;1mChecking out 01234567 as detached HEAD (ref is ${text})...\x1b[0;m\n${text}\0`).join('')
          assert.equal(result.stdout.toString('utf8'), expected)
          assert.equal(existsSync(join(dir, 'pwned')), false)
        }),
        { numRuns: 25 },
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

test('a branch, job name and builds path named like command substitutions create nothing (bash and dash)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glr-quote-'))
  const marker = join(dir, 'pwned')
  try {
    for (const shell of ['bash', 'sh'] as const) {
      const hostile = `$(touch ${marker})\`touch ${marker}\``
      const projectDir = join(dir, hostile)
      const ctx = context(shell, projectDir, [{ key: 'CI_COMMIT_REF_NAME', value: hostile, file: false }, { key: 'CI_JOB_NAME', value: `job with 'quote' ${hostile}`, file: false }])
      const script = userStepScript({ ...ctx, tmpDir: `${projectDir}.tmp` }, { blocks: [{ prefix: 'script_step', commands: ['printf "%s|%s|%s" "$CI_COMMIT_REF_NAME" "$CI_JOB_NAME" "$PWD"'] }], afterScript: false }) ?? ''
      spawnSync('mkdir', ['-p', projectDir])
      const result = run(shell, script, dir)
      assert.equal(result.status, 0, result.stderr)
      assert.ok(result.stdout.toString().endsWith(`${hostile}|job with 'quote' ${hostile}|${projectDir}`))
      assert.equal(existsSync(marker), false)
      assert.ok(readFileSync(join(`${projectDir}.tmp`, 'gitlab_runner_env')).length === 0)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
