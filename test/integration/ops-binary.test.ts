import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { projectRoot } from '../helpers/glrunner-cli.js'

const execFileAsync = promisify(execFile)
const binary = join(projectRoot, 'dist', 'bin', 'glrunner')
/** Failures of the build that are about this machine's Node, not about glrunner's code. */
const OUTSIDE_OUR_CODE = /sentinel|NODE_SEA_FUSE|experimental-sea-config|single executable|Cannot find (module|package) '(esbuild|postject)'/i

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(binary, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))

  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })))
}

describe('the single binary', { timeout: 600_000 }, () => {
  let skip: string | undefined
  let empty: string
  let env: NodeJS.ProcessEnv

  before(async () => {
    const result = await execFileAsync(process.execPath, [join(projectRoot, 'scripts', 'build-binary.mjs')], { cwd: projectRoot, maxBuffer: 16 * 1024 * 1024 }).then(
      () => undefined,
      (err: { stdout?: string; stderr?: string; message: string }) => `${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`,
    )
    if (result !== undefined) {
      if (!OUTSIDE_OUR_CODE.test(result) || process.env.CI === 'true') throw new Error(`npm run build:binary failed:\n${result}`)
      skip = `building the single binary failed for a reason outside glrunner's code (this Node cannot make single executables):\n${result.slice(0, 2000)}`
    }
    empty = await mkdtemp(join(tmpdir(), 'glrunner-ops-binary-'))
    // Nothing from this project: no node_modules, no NODE_OPTIONS, a fresh HOME.
    env = { PATH: (process.env.PATH ?? '').split(':').filter((dir) => !dir.includes('node_modules')).join(':'), HOME: join(empty, 'home'), LANG: 'C.UTF-8' }
  })
  after(async () => {
    await rm(empty, { recursive: true, force: true })
  })

  it('prints its version from an empty directory', async (t) => {
    if (skip) return t.skip(skip)
    const result = await run(['--version'], empty, env)
    const version = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout.trim(), `glrunner ${version}`)
    assert.equal(result.stderr, '', 'no warning from Node')
  })

  it('runs a local pipeline with exec, without node_modules or a Node install next to it', async (t) => {
    if (skip) return t.skip(skip)
    const repo = join(empty, 'repo')
    await mkdir(repo)
    await writeFile(join(repo, '.gitlab-ci.yml'), 'hello:\n  script:\n    - echo "hello from the binary $CI_JOB_NAME"\n')
    const gitEnv = { ...env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' }
    for (const args of [['init', '-q', '-b', 'main'], ['add', '.'], ['commit', '-q', '-m', 'ci']]) await execFileAsync('git', args, { cwd: repo, env: gitEnv })
    const result = await run(['exec', '--cwd', repo], empty, env)
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`)
    assert.match(result.stdout, /hello from the binary hello/)
    assert.match(result.stdout, /pipeline success/)
    assert.ok(!existsSync(join(empty, 'node_modules')))
  })
})
