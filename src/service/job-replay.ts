/**
 * `glrunner run-single --payload job.json`: runs one saved job again on this machine, with
 * the same variables, scripts and commit, against an embedded coordinator — the same
 * path a job from GitLab takes (request, trace, final update), so the job log matches.
 *
 * Sources come from `--repo DIR`, a local clone that has the job's commit; it is mirrored
 * into a temporary bare repository so the replay never writes refs into it. A job with
 * GIT_STRATEGY=none needs no clone. Redacted variables take their value from the
 * environment variable of the same name, or stay empty (the replay says which).
 * Dependencies' artifacts are not available to a replay and are dropped with a warning.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { defaultGlobalConfig, defaultRunnerConfig } from '../config/runner-config.js'
import { GlrunnerError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { startCoordinator, type JobRecord } from '../coordinator/index.js'
import type { RunBuild } from '../manager/job-runner.js'
import { RunnerManager, type ManagerObserver } from '../manager/runner-manager.js'
import type { ExecutorProvider } from '../executors/executor.js'
import { REDACTED, SAVED_PAYLOAD_FORMAT, type SavedPayload } from './payload-store.js'

const execFileAsync = promisify(execFile)

export class ReplayError extends GlrunnerError {
  constructor(message: string, hint: string, cause?: unknown) {
    super('GLR_REPLAY', message, { failureReason: 'runner_configuration_error', hint, ...(cause === undefined ? {} : { cause }) })
  }
}

export interface ReplayOptions {
  file: string
  /** A local clone holding the job's commit; not needed for GIT_STRATEGY=none. */
  repoDir?: string
  executor: string
  shell?: string
  buildsDir?: string
  cacheDir?: string
  logger: Logger
  runBuild: RunBuild
  resolveExecutor: (name: string) => ExecutorProvider | undefined
  /** Receives the job log as it arrives. */
  write: (chunk: Buffer) => void
  /** Values for redacted variables; default process.env. */
  env?: NodeJS.ProcessEnv
  observer?: ManagerObserver
}

export interface ReplayResult {
  state: string
  failureReason: string | undefined
  trace: Buffer
}

type Json = Record<string, unknown>

export async function readSavedPayload(file: string): Promise<SavedPayload> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw new ReplayError(`reading saved payload ${file}`, 'Pass a file written by --save-payloads.', err)
  }
  const saved = parsed as Partial<SavedPayload>
  // A bare payload (e.g. copied from a GitLab API answer) is accepted too.
  if (saved.format !== SAVED_PAYLOAD_FORMAT) return { format: SAVED_PAYLOAD_FORMAT, saved_at: '', redacted_variables: [], payload: parsed as Json }
  if (typeof saved.payload !== 'object' || saved.payload === null) throw new ReplayError(`${file} has no payload`, 'Pass a file written by --save-payloads.')

  return saved as SavedPayload
}

export async function replayJob(o: ReplayOptions): Promise<ReplayResult> {
  const saved = await readSavedPayload(o.file)
  const payload = saved.payload
  const git = (payload.git_info ?? {}) as Json
  const jobInfo = (payload.job_info ?? {}) as Json
  const variables = asArray(payload.variables)
  const strategy = [...variables].reverse().find((variable) => variable.key === 'GIT_STRATEGY')?.value
  const sha = String(git.sha ?? '')
  const ref = String(git.ref ?? 'main')
  const work = await mkdtemp(join(tmpdir(), 'glrunner-replay-'))
  const coordinator = await startCoordinator({ dataDir: join(work, 'coordinator'), traceUpdateIntervalSeconds: 1 })
  try {
    const served = join(work, 'repo.git')
    const qualifiedRef = `refs/${git.ref_type === 'tag' ? 'tags' : 'heads'}/${ref}`
    const commit = await prepareRepository({ repoDir: o.repoDir, served, sha, ref, qualifiedRef, gitStrategy: String(strategy ?? '') })
    const projectPath = String(jobInfo.project_full_path || 'replay/project')
    coordinator.addProject({ path: projectPath, repoDir: served })
    const runner = coordinator.createRunner({ runUntagged: true })
    const empty = fillRedacted(variables, saved.redacted_variables, o.env ?? process.env)
    if (empty.length > 0) o.logger.warn('redacted variables are empty in this replay; set them in the environment to pass values', { variables: empty })
    if (asArray(payload.dependencies).length > 0) o.logger.warn('the saved job downloads artifacts of other jobs; a replay has none, so they are skipped')

    const job = coordinator.enqueueJob({
      project: projectPath,
      ref,
      refType: git.ref_type === 'tag' ? 'tag' : 'branch',
      sha: commit,
      ...(typeof jobInfo.pipeline_id === 'number' ? { pipelineId: jobInfo.pipeline_id } : {}),
      payloadPatch: (built) => mergePayload(payload, built),
    })
    const onTrace = (record: JobRecord, chunk: Buffer) => {
      if (record.id === job.id) o.write(chunk)
    }
    coordinator.events.on('trace', onTrace)
    const manager = new RunnerManager({
      config: defaultGlobalConfig({
        concurrent: 1,
        check_interval: 1,
        runners: [defaultRunnerConfig({ name: 'glrunner-replay', url: coordinator.url, token: runner.token, executor: o.executor, shell: o.shell ?? '', builds_dir: o.buildsDir ?? join(work, 'builds'), cache_dir: o.cacheDir ?? join(work, 'cache') })],
      }),
      systemId: 'r_glrunnerreplay',
      logger: o.logger,
      runBuild: o.runBuild,
      resolveExecutor: o.resolveExecutor,
      maxBuilds: 1,
      ...(o.observer ? { observer: o.observer } : {}),
    })
    manager.start()
    await manager.done
    await manager.close()
    coordinator.events.off('trace', onTrace)
    const record = coordinator.job(job.id)!

    return { state: record.state, failureReason: record.failureReason || undefined, trace: record.trace }
  } finally {
    await coordinator.close()
    await rm(work, { recursive: true, force: true })
  }
}

/** The saved payload with what belongs to this coordinator: job id, token, clone URL. */
function mergePayload(saved: Json, built: Json): Json {
  const merged = structuredClone(saved)
  const token = String(built.token)
  const builtGit = built.git_info as Json
  merged.id = built.id
  merged.token = token
  merged.job_info = { ...(saved.job_info as Json), id: built.id }
  merged.git_info = { ...(saved.git_info as Json), repo_url: builtGit.repo_url }
  merged.dependencies = []
  const builtVariables = new Map(asArray(built.variables).map((variable) => [variable.key, variable.value]))
  for (const variable of asArray(merged.variables)) {
    if (variable.key === 'CI_JOB_TOKEN' || variable.key === 'CI_BUILD_TOKEN') variable.value = token
    if (variable.key === 'CI_REPOSITORY_URL') variable.value = builtVariables.get('CI_REPOSITORY_URL') ?? builtGit.repo_url
    // Tokens redacted anywhere else (a custom variable) get this job's token.
    if (typeof variable.value === 'string') variable.value = variable.value.split(REDACTED).join(token)
  }

  return merged
}

/** Gives redacted variables their value from `env` (else ''); returns the keys left empty. */
function fillRedacted(variables: Json[], redacted: string[], env: NodeJS.ProcessEnv): string[] {
  const empty = new Set<string>()
  for (const variable of variables) {
    if (variable.value !== REDACTED || typeof variable.key !== 'string') continue
    if (['CI_JOB_TOKEN', 'CI_BUILD_TOKEN'].includes(variable.key)) continue
    const value = env[variable.key]
    variable.value = value ?? ''
    if (value === undefined) empty.add(variable.key)
  }
  for (const key of redacted) if (!variables.some((variable) => variable.key === key && variable.value !== '')) empty.add(key)
  empty.delete('CI_JOB_TOKEN')
  empty.delete('CI_BUILD_TOKEN')

  return [...empty]
}

/** Mirrors the clone (or makes an empty repository for GIT_STRATEGY=none); returns the commit to serve. */
async function prepareRepository(o: { repoDir: string | undefined; served: string; sha: string; ref: string; qualifiedRef: string; gitStrategy: string }): Promise<string> {
  const git = (args: string[], cwd?: string) => execFileAsync('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } })
  if (o.repoDir === undefined) {
    if (o.gitStrategy !== 'none') {
      throw new ReplayError('replaying this job needs its sources', 'Pass --repo DIR, a local clone of the project that contains the job\'s commit (or replay a job with GIT_STRATEGY: none).')
    }
    await git(['init', '-q', '--bare', o.served])
    // An empty commit: the coordinator needs one to serve, the job never fetches it.
    const env = { ...process.env, GIT_INDEX_FILE: join(o.served, 'replay-index'), GIT_AUTHOR_NAME: 'glrunner', GIT_AUTHOR_EMAIL: 'replay@glrunner.invalid', GIT_COMMITTER_NAME: 'glrunner', GIT_COMMITTER_EMAIL: 'replay@glrunner.invalid' }
    const tree = (await execFileAsync('git', ['write-tree'], { cwd: o.served, env })).stdout.trim()
    const { stdout } = await execFileAsync('git', ['commit-tree', tree, '-m', 'glrunner replay placeholder'], { cwd: o.served, env })
    await git(['update-ref', o.qualifiedRef, stdout.trim()], o.served)

    return stdout.trim()
  }

  try {
    await git(['clone', '-q', '--mirror', o.repoDir, o.served])
  } catch (err) {
    throw new ReplayError(`mirroring ${o.repoDir}`, 'Pass --repo a git clone of the job\'s project.', err)
  }
  try {
    await git(['cat-file', '-e', `${o.sha}^{commit}`], o.served)
  } catch (err) {
    throw new ReplayError(`commit ${o.sha.slice(0, 12)} of the saved job is not in ${o.repoDir}`, `Fetch it there first (git fetch origin ${o.ref}), then replay again.`, err)
  }
  // The saved refspecs name the job's ref; the mirror must have it, at the job's commit.
  await git(['update-ref', o.qualifiedRef, o.sha], o.served)

  return o.sha
}

function asArray(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter((item): item is Json => typeof item === 'object' && item !== null) : []
}
