/** Builds small real git repositories for compiler tests. */
import { execFileSync } from 'node:child_process'
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { TestContext } from 'node:test'
import { compilePipeline } from '../../../src/pipeline/index.js'
import type { CompileOptions, CompileResult, PipelinePlan, PlanJob } from '../../../src/pipeline/index.js'

export interface RepoOptions {
  branch?: string
  message?: string
  remote?: string
}

export function gitIn(dir: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_DATE: '2024-05-01T10:11:12+02:00', GIT_COMMITTER_DATE: '2024-05-01T10:11:12+02:00' },
  })
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
}

export function commitAll(dir: string, message = 'test commit'): void {
  gitIn(dir, ['add', '-A'])
  gitIn(dir, ['commit', '-q', '--allow-empty', '--cleanup=verbatim', '-m', message])
}

/** A fresh repository with `files` committed on `branch` (default main); removed after the test. */
export function makeRepo(t: TestContext, files: Record<string, string>, options: RepoOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'glr-pipeline-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  gitIn(dir, ['init', '-q', '-b', options.branch ?? 'main'])
  // Written directly: every git process start counts on a busy machine.
  const remote = options.remote === undefined ? '' : `[remote "origin"]\n\turl = ${options.remote}\n`
  appendFileSync(join(dir, '.git', 'config'), `[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n[commit]\n\tgpgsign = false\n${remote}`)
  writeFiles(dir, files)
  commitAll(dir, options.message ?? 'test commit\n')

  return dir
}

/** Compiles `.gitlab-ci.yml` text in a new repository. */
export async function compileYaml(
  t: TestContext,
  yaml: string,
  options: Partial<CompileOptions> & { files?: Record<string, string>; branch?: string } = {},
): Promise<CompileResult> {
  const { files, branch, ...rest } = options
  const dir = makeRepo(t, { '.gitlab-ci.yml': yaml, ...files }, branch === undefined ? {} : { branch })

  return compilePipeline({ projectDir: dir, ...rest })
}

export function expectPlan(result: CompileResult): PipelinePlan {
  if (!result.ok) throw new Error(`expected a pipeline, got errors: ${result.errors.map((e) => e.message).join(' | ')}`)

  return result.pipeline
}

/** Each error as `<key>: <message>` (just the message when it has no key), as exec prints it after the file and line. */
export function expectErrors(result: CompileResult): string[] {
  if (result.ok) throw new Error(`expected errors, got jobs: ${result.pipeline.jobs.map((j) => j.name).join(', ')}`)

  return result.errors.map((error) => (error.key === undefined ? error.message : `${error.key}: ${error.message}`))
}

/** Each error as `<file>: <key>: <message>` (no key part when it has none). */
export function expectFileErrors(result: CompileResult): string[] {
  if (result.ok) throw new Error(`expected errors, got jobs: ${result.pipeline.jobs.map((j) => j.name).join(', ')}`)

  return result.errors.map((error) => `${error.file}: ${error.key === undefined ? '' : `${error.key}: `}${error.message}`)
}

/** `{stage: [job names]}` in execution order. */
export function layout(result: CompileResult): Record<string, string[]> {
  const plan = expectPlan(result)
  const out: Record<string, string[]> = {}
  for (const stage of plan.stages) out[stage] = plan.jobs.filter((job) => job.stage === stage).map((job) => job.name)

  return out
}

export function job(result: CompileResult, name: string): PlanJob {
  const found = expectPlan(result).jobs.find((item) => item.name === name)
  if (found === undefined) throw new Error(`no job ${name}`)

  return found
}

/** The job's variables as a map (unexpanded). */
export function vars(planJob: PlanJob): Record<string, string> {
  return Object.fromEntries(planJob.variables.map((variable) => [variable.key, variable.value]))
}
