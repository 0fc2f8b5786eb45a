/**
 * How tests start the real CLI as a child process from any working directory: Node with
 * the tsx loader (resolved from this project, not from the child's cwd) on src/cli/main.ts;
 * and the small git repositories the exec tests run in.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url))
const tsxLoader = import.meta.resolve('tsx')
const cliEntry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

/** Arguments for `spawn(process.execPath, …)` that run `glrunner <args>`. */
export function glrunnerArgs(args: string[]): string[] {
  return ['--import', tsxLoader, cliEntry, ...args]
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `glrunner <args>` in `cwd` to its end (no colours) and collects its output. */
export function runGlrunner(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, glrunnerArgs(args), { cwd, env: { ...process.env, NO_COLOR: '1', ...extraEnv } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

export const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' }

/** A temporary git repository with `files` committed on `main`. */
export async function repoWith(files: Record<string, string>, prefix = 'glr-exec-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true })
    await writeFile(join(dir, name), content)
  }
  for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-qm', 'init']]) execFileSync('git', args, { cwd: dir, env: gitEnv })

  return dir
}
