/**
 * `glrunner exec [JOB…]`: runs the repository's .gitlab-ci.yml on this machine, through the
 * same coordinator, runner API and job engine that serve real GitLab jobs. Uncommitted
 * changes are included (a snapshot commit, made without touching the user's branch,
 * index or stash). `--example` runs the built-in example pipeline in a temporary folder.
 */
import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { access, cp, mkdir, stat, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Command, Option } from 'commander'
import { stringify } from 'yaml'
import { ConfigError, GlrunnerError } from '../core/errors.js'
import { formatExecLogger } from './exec-logger.js'
import { compilePipeline, formatCompileError, ZERO_SHA, type CompileError, type CompileOptions } from '../pipeline/index.js'
import { formatJobList, formatSummary, listJobs, previewDocument } from '../local/exec-report.js'
import { LOCAL_PULL_POLICIES, type LocalPullPolicy } from '../local/local-docker.js'
import { runPipeline } from '../local/run-pipeline.js'
import { restrictPlan, selectJobs } from '../local/select-jobs.js'
import { snapshotWorkTree } from '../local/snapshot.js'
import { cleanStateDir, lockStateDir, nextPipelineId, prepareStateDir, savePipelineId } from '../local/state-dir.js'
import { parseNonNegativeInteger, parsePositiveInteger } from './option-parsers.js'

const execFileAsync = promisify(execFile)

interface ExecFlags {
  cwd?: string
  file: string
  executor: string
  variable: string[]
  includeMap: string[]
  manual: string[]
  needs?: boolean
  onlyNeeds?: boolean
  list?: boolean
  listJson?: boolean
  preview?: boolean
  summaryJson?: string
  concurrency: number
  clean?: boolean
  example?: boolean
  dockerImage?: string
  dockerPullPolicy: LocalPullPolicy
  dockerVolume: string[]
  outputLimit: number
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

function parseVariables(entries: string[]): Record<string, string> {
  const variables: Record<string, string> = {}
  for (const entry of entries) {
    const equals = entry.indexOf('=')
    if (equals <= 0) throw new ConfigError(`--variable ${JSON.stringify(entry)} is not KEY=VALUE`, { hint: 'Write it as --variable NAME=value.' })
    variables[entry.slice(0, equals)] = entry.slice(equals + 1)
  }

  return variables
}

/**
 * `--include-map LOCATION=PATH`: where a remote, project, template or component include is
 * read from offline. LOCATION is written as in the include (a URL, `group/project:file`,
 * `group/project` for a whole checkout, `template:Name`, a component address); a relative
 * PATH is relative to the repository. The last `=` cannot split LOCATION (URLs hold `=`),
 * so the split is at the last one.
 */
function parseIncludeMappings(entries: string[]): Record<string, string> {
  const mappings: Record<string, string> = {}
  for (const entry of entries) {
    const equals = entry.lastIndexOf('=')
    if (equals <= 0 || equals === entry.length - 1) {
      throw new ConfigError(`--include-map ${JSON.stringify(entry)} is not LOCATION=PATH`, {
        hint: 'Write it as --include-map https://example.com/ci.yml=ci/remote.yml or --include-map group/project=../project.',
      })
    }
    mappings[entry.slice(0, equals)] = entry.slice(equals + 1)
  }

  return mappings
}

function formatCompileErrors(errors: CompileError[]): string {
  return errors.map(formatCompileError).join('\n  ')
}

/**
 * The built-in example as a git repository in a stable temp folder (one per user), so its
 * state folder — and the cache the example demonstrates — is reused between runs. The
 * example's files are refreshed and committed when they changed.
 */
async function prepareExample(): Promise<string> {
  const source = fileURLToPath(new URL('../../examples/basic', import.meta.url))
  const target = join(tmpdir(), `glrunner-example-${process.getuid?.() ?? 'user'}`)
  const env = { ...process.env, GIT_AUTHOR_NAME: 'glrunner example', GIT_AUTHOR_EMAIL: 'example@glrunner.invalid', GIT_COMMITTER_NAME: 'glrunner example', GIT_COMMITTER_EMAIL: 'example@glrunner.invalid' }
  const git = (...args: string[]) => execFileAsync('git', args, { cwd: target, env })
  const fresh = !(await stat(join(target, '.git')).then((info) => info.isDirectory(), () => false))
  await mkdir(target, { recursive: true })
  await cp(source, target, { recursive: true, force: true })
  if (fresh) await git('init', '-q', '-b', 'main')
  await git('add', '-A')
  const changed = (await git('status', '--porcelain')).stdout.trim() !== ''
  if (changed) await git('commit', '-q', '-m', 'glrunner example pipeline')

  return target
}

/** Fails before anything runs when the summary could not be written at the end. */
async function checkSummaryPath(path: string): Promise<void> {
  const existing = await stat(path).catch(() => undefined)
  if (existing?.isDirectory()) {
    throw new ConfigError(`--summary-json ${path} is a folder`, { hint: 'Give a file name, e.g. --summary-json summary.json.' })
  }
  try {
    await access(dirname(resolve(path)), constants.W_OK)
  } catch {
    throw new ConfigError(`--summary-json ${path}: cannot write in ${dirname(resolve(path))}`, { hint: 'Give a path in an existing folder you may write to.' })
  }
}

/**
 * SIGINT/SIGTERM during a run: the first cancels it as GitLab's UI would (running jobs stop
 * their script and run after_script, the rest are canceled, the summary is printed); a
 * second stops running jobs at once (process trees terminated); a third exits.
 */
function stopOnSignals(write: (text: string) => void): { signal: AbortSignal; forceSignal: AbortSignal; dispose: () => void } {
  const cancel = new AbortController()
  const force = new AbortController()
  const handler = (signal: NodeJS.Signals) => {
    process.exitCode = signal === 'SIGINT' ? 130 : 143
    if (!cancel.signal.aborted) {
      write(`\n${signal}: canceling the pipeline; running jobs stop and run their after_script (again to stop them at once)\n`)
      cancel.abort(signal)
    } else if (!force.signal.aborted) {
      write(`\n${signal}: stopping running jobs now (again to exit at once)\n`)
      force.abort(signal)
    } else {
      process.exit(process.exitCode)
    }
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)

  return {
    signal: cancel.signal,
    forceSignal: force.signal,
    dispose: () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    },
  }
}

async function repositoryTopLevel(dir: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', ['rev-parse', '--show-toplevel'], { cwd: dir })

    return stdout.trim()
  } catch {
    throw new GlrunnerError('GLR_NOT_A_REPOSITORY', `${dir} is not inside a git repository`, {
      failureReason: 'runner_configuration_error',
      hint: 'Run glrunner exec in a git work tree with a .gitlab-ci.yml (or pass --cwd), or try glrunner exec --example.',
    })
  }
}

async function execAction(jobNames: string[], flags: ExecFlags, command: Command): Promise<void> {
  const out = (text: string) => process.stdout.write(text)
  const colour = process.stdout.isTTY === true && process.env.NO_COLOR === undefined
  const projectDir = flags.example ? await prepareExample() : resolve(flags.cwd ?? process.cwd())
  if (flags.example) out(`example pipeline in ${projectDir}\n`)
  if (!(await stat(projectDir).then((info) => info.isDirectory(), () => false))) {
    throw new ConfigError(`--cwd ${projectDir} does not exist or is not a folder`, { hint: 'Point --cwd at the repository to run.' })
  }
  const topLevel = await repositoryTopLevel(projectDir)

  if (flags.clean) {
    const removed = await cleanStateDir(topLevel)
    out(removed === undefined ? 'nothing to clean\n' : `removed ${removed}\n`)

    return
  }
  if (flags.summaryJson) await checkSummaryPath(flags.summaryJson)

  const pipelineId = await nextPipelineId(topLevel)
  const compileOptions: CompileOptions = { projectDir: topLevel, ciFile: flags.file, variables: parseVariables(flags.variable), includeMappings: parseIncludeMappings(flags.includeMap), pipelineId, pipelineIid: pipelineId }
  const compiled = await compilePipeline(compileOptions)
  const printWarnings = (warnings: string[]) => {
    for (const warning of warnings) process.stderr.write(`WARNING: ${warning}\n`)
  }
  // Without commits, the snapshot supplies the sha and a second compile the warnings.
  if (!compiled.ok || compiled.pipeline.git.sha !== ZERO_SHA) printWarnings(compiled.warnings)
  if (!compiled.ok) {
    if (flags.summaryJson) {
      await writeFile(flags.summaryJson, `${JSON.stringify({ status: 'invalid', errors: compiled.errors, jobs: [] }, null, 2)}\n`)
    }
    throw new ConfigError(`${flags.file} is invalid:\n  ${formatCompileErrors(compiled.errors)}`, { hint: 'Fix the errors above; nothing was run.' })
  }

  const selection = selectJobs(compiled.pipeline, jobNames, { onlyNeeds: flags.onlyNeeds === true, manual: flags.manual })
  let plan = restrictPlan(compiled.pipeline, selection)
  if (flags.listJson) return void out(`${JSON.stringify(listJobs(plan), null, 2)}\n`)
  if (flags.list) return void out(formatJobList(plan))
  if (flags.preview) return void out(stringify(previewDocument(plan), { aliasDuplicateObjects: false, lineWidth: 0 }))
  if (plan.jobs.length === 0) return void out('no jobs to run: rules and workflow excluded every job\n')

  const state = await prepareStateDir(topLevel)
  const unlock = await lockStateDir(state)
  try {
    await savePipelineId(state, pipelineId)
    const git = compiled.pipeline.git
    const snapshot = await snapshotWorkTree({
      projectDir: topLevel,
      stateDir: state.root,
      ...(git.tag !== undefined ? { tag: git.tag } : git.branch !== undefined ? { branch: git.branch } : {}),
    })
    // A repository without commits compiles with a zero sha; the snapshot is the real one.
    if (git.sha === ZERO_SHA) {
      compileOptions.git = { sha: snapshot.sha }
      const again = await compilePipeline(compileOptions)
      printWarnings(again.warnings)
      if (again.ok) plan = restrictPlan(again.pipeline, selectJobs(again.pipeline, jobNames, { onlyNeeds: flags.onlyNeeds === true }))
    }
    const stopper = stopOnSignals(out)
    const summary = await runPipeline({
      plan,
      compileOptions,
      snapshot,
      state,
      pipelineId,
      executor: flags.executor,
      docker: {
        ...(flags.dockerImage !== undefined ? { defaultImage: flags.dockerImage } : {}),
        pullPolicy: flags.dockerPullPolicy,
        volumes: flags.dockerVolume,
      },
      concurrency: flags.concurrency,
      manualJobs: [...flags.manual, ...selection.named],
      logger: formatExecLogger(command),
      write: out,
      colour,
      outputLimitKiB: flags.outputLimit,
      live: colour,
      signal: stopper.signal,
      forceSignal: stopper.forceSignal,
    }).finally(() => stopper.dispose())

    out(formatSummary(summary, colour))
    if (flags.summaryJson) {
      await writeFile(flags.summaryJson, `${JSON.stringify({ status: summary.status, jobs: summary.jobs }, null, 2)}\n`)
    }
    if (summary.status !== 'success' && !process.exitCode) process.exitCode = 1
  } finally {
    await unlock()
  }
}

export function execCommand(): Command {
  return new Command('exec')
    .description("run the repository's .gitlab-ci.yml on this machine (uncommitted changes included)")
    .argument('[jobs...]', 'run only these jobs and what they need')
    .option('--cwd <dir>', 'the repository to run (default: the current folder)')
    .option('--file <path>', 'the CI file, relative to the repository', '.gitlab-ci.yml')
    .addOption(new Option('--executor <name>', 'where jobs run: shell, or docker (each job in its image)').choices(['shell', 'docker']).default('shell'))
    .option('--docker-image <image>', 'docker: image for jobs without image:')
    .addOption(new Option('--docker-pull-policy <policy>', 'docker: when to pull images (no pull unless "always")').choices(LOCAL_PULL_POLICIES).default('if-not-present'))
    .option('--docker-volume <spec>', 'docker: extra volume host:container[:mode] (repeatable)', collect, [])
    .option('--variable <KEY=VALUE>', 'pipeline variable (repeatable; highest precedence)', collect, [])
    .option('--include-map <LOCATION=PATH>', 'read a remote/project/template/component include from a local file or checkout (repeatable)', collect, [])
    .option('--manual <job>', 'also run this manual job (repeatable)', collect, [])
    .option('--needs', 'run the named jobs and what they need (the default)')
    .option('--only-needs', 'run only what the named jobs need, not the jobs themselves')
    .option('--list', 'list the jobs (stage, when, allow_failure, needs) and exit')
    .option('--list-json', 'list the jobs as JSON and exit')
    .option('--preview', 'print the pipeline as .gitlab-ci.yml-style YAML after includes, extends and rules, and exit')
    .option('--summary-json <file>', 'write the pipeline status and per-job results as JSON')
    .addOption(new Option('--concurrency <n>', 'jobs at once').argParser(parsePositiveInteger).default(availableParallelism()))
    .addOption(new Option('--output-limit <KiB>', 'job log size limit (GitLab: 4096)').argParser(parseNonNegativeInteger).default(65_536))
    .option('--clean', 'remove the .glrunner state folder (builds, caches, logs) and exit')
    .option('--example', 'run the built-in example pipeline in a temporary folder')
    .addHelpText('after', `
Examples:
  glrunner exec                      run the whole pipeline
  glrunner exec unit-tests           run unit-tests and the jobs it needs
  glrunner exec --list               show the jobs the pipeline would run
  glrunner exec --variable DEPLOY=1  set a pipeline variable
  glrunner exec --executor docker --docker-image alpine:3
                                     run each job in its image (alpine:3 when it has none)
  glrunner exec --example            run the built-in example`)
    .action(execAction)
}
