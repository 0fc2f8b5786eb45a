/**
 * glrunner's embedded GitLab-compatible server: the runner API over real HTTP, plus a
 * programmatic API to set up runners, projects and jobs and to watch what runners do.
 * Integration tests use it as their fake GitLab; `glrunner exec` starts one in-process
 * and lets the real runner code pick the pipeline's jobs up over HTTP.
 */
import type { EventEmitter } from 'node:events'
import { rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { createDispatcher } from './dispatch.js'
import { CoordinatorError, JobWaitTimeoutError } from './errors.js'
import { FaultQueue } from './faults.js'
import { absoluteGitDir, currentBranch, readCommit, updateRef, type CommitInfo } from './git-repo.js'
import type { ResolvedOptions } from './http.js'
import { startJobReaper } from './job-reaper.js'
import { JobRecord } from './job-record.js'
import { artifactDownloadRoutes } from './routes/artifacts-download.js'
import { artifactUploadRoutes } from './routes/artifacts-upload.js'
import { gitRoutes } from './routes/git-http.js'
import { jobRequestRoutes } from './routes/job-request.js'
import { jobUpdateRoutes } from './routes/job-update.js'
import type { Route } from './routes/route.js'
import { runnerRoutes } from './routes/runners.js'
import { traceRoutes } from './routes/trace.js'
import { CoordinatorState } from './state.js'
import { newAuthenticationToken, newJobToken } from './tokens.js'
import {
  FINAL_JOB_STATES,
  type AddProjectOptions,
  type CreateRunnerOptions,
  type EnqueuedJob,
  type Fault,
  type JobSpec,
  type ProjectRecord,
  type RecordedRequest,
  type RunnerRecord,
  type WaitForJobOptions,
} from './types.js'

const ROUTES: Route[] = [
  ...runnerRoutes,
  ...jobRequestRoutes,
  ...jobUpdateRoutes,
  ...traceRoutes,
  ...artifactUploadRoutes,
  ...artifactDownloadRoutes,
  ...gitRoutes,
]

export class Coordinator {
  readonly requests: RecordedRequest[] = []
  private readonly state = new CoordinatorState()
  private readonly faults = new FaultQueue()
  private readonly closing = new AbortController()
  private readonly children = new Set<() => void>()
  private readonly inFlightCounters = new Map<string, { now: number; max: number }>()
  private baseUrl: URL | undefined
  /** Commit details by project and full sha (see #readCommit). */
  readonly #commits = new Map<string, CommitInfo>()
  /** `refs/pipelines/<id>` already pointed at a sha, by project, pipeline and sha. */
  readonly #pipelineRefs = new Set<string>()
  #reaper: { stop: () => void } | undefined

  constructor(
    private readonly server: Server,
    private readonly options: ResolvedOptions,
    private readonly ownsDataDir: boolean,
  ) {}

  /** Events: 'job-state' (job), 'trace' (job, chunk), 'job-enqueued' (job), 'request' (record). */
  get events(): EventEmitter {
    return this.state.events
  }

  /** Base URL, e.g. `http://127.0.0.1:43123`. */
  get url(): string {
    return this.serverUrl().origin
  }

  get dataDir(): string {
    return this.options.dataDir
  }

  /** Fault applications not used yet. */
  get pendingFaults(): number {
    return this.faults.size
  }

  /** Requests to `endpoint` being answered right now (e.g. held job requests) and the most at once. */
  inFlight(endpoint: RecordedRequest['endpoint']): { now: number; max: number } {
    const counter = this.inFlightCounters.get(endpoint ?? 'unknown')

    return { now: counter?.now ?? 0, max: counter?.max ?? 0 }
  }

  /** Starts listening; startCoordinator calls it once. */
  async listen(): Promise<void> {
    this.server.on('request', createDispatcher({
      routes: ROUTES,
      state: this.state,
      faults: this.faults,
      options: this.options,
      requests: this.requests,
      serverUrl: () => (this.options.publicUrl !== undefined ? new URL(this.options.publicUrl) : this.serverUrl()),
      closing: this.closing.signal,
      inFlight: this.inFlightCounters,
      track: (kill) => {
        this.children.add(kill)

        return () => this.children.delete(kill)
      },
    }))
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.options.port, this.options.host, () => resolve())
    })
    this.#reaper = startJobReaper({
      jobs: () => this.state.jobs.values(),
      timeouts: this.options,
      dropped: (job) => this.state.emitJobState(job),
    })
    const address = this.server.address() as AddressInfo
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    this.baseUrl = new URL(`http://${host}:${address.port}`)
  }

  private serverUrl(): URL {
    if (this.baseUrl === undefined) throw new CoordinatorError('the coordinator is not listening')

    return this.baseUrl
  }

  /** Accepts `token` for legacy registration; `disabled` makes it answer 410. */
  addRegistrationToken(token: string, options: { disabled?: boolean } = {}): void {
    this.state.registrationTokens.set(token, { disabled: options.disabled ?? false })
  }

  /** Accepts `token` as PRIVATE-TOKEN for `POST runners/:id/reset_authentication_token`. */
  addPersonalAccessToken(token: string): void {
    this.state.personalAccessTokens.add(token)
  }

  /** A runner as created in the UI/API, authenticated by its (`glrt-`) token. */
  createRunner(options: CreateRunnerOptions = {}): { id: number; token: string } {
    const token = options.token ?? newAuthenticationToken()
    if ([...this.state.runners.values()].some((runner) => runner.token === token)) {
      throw new CoordinatorError(`runner token ${token.slice(0, 12)}… is already in use`)
    }
    const runner: RunnerRecord = {
      id: this.state.allocateRunnerId(),
      token,
      tokenObtainedAt: Date.now(),
      tokenExpiresAt: options.tokenExpiresAt ?? null,
      description: options.description ?? '',
      tags: options.tags ?? [],
      runUntagged: options.runUntagged ?? true,
      paused: options.paused ?? false,
      locked: true,
      accessLevel: 'not_protected',
      maximumTimeout: options.maximumTimeoutSeconds,
      registrationToken: undefined,
      managers: new Map(),
      registrationInfo: undefined,
    }
    this.state.runners.set(runner.id, runner)

    return { id: runner.id, token }
  }

  /** A runner by id or current token (with its managers and the info they sent). */
  runner(idOrToken: number | string): RunnerRecord | undefined {
    if (typeof idOrToken === 'number') return this.state.runners.get(idOrToken)

    return [...this.state.runners.values()].find((runner) => runner.token === idOrToken)
  }

  /** Pauses or resumes a runner; its queue changes either way. */
  setRunnerPaused(id: number, paused: boolean): void {
    const runner = this.state.runners.get(id)
    if (runner === undefined) throw new CoordinatorError(`no runner ${id}`)
    runner.paused = paused
    this.state.bumpQueue(id)
  }

  /** Serves `repoDir` as `<url>/<path>.git` to job tokens of this project's jobs. */
  addProject(options: AddProjectOptions): { id: number; path: string; cloneUrl: string } {
    const path = options.path.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '')
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/.test(path)) {
      throw new CoordinatorError(`project path ${JSON.stringify(options.path)} must look like group/project`)
    }
    if (this.state.projectByIdOrPath(path) !== undefined) throw new CoordinatorError(`project ${path} already exists`)
    const allowlist = (options.jobTokenAllowlist ?? []).map((entry) => {
      const other = this.state.projectByIdOrPath(entry)
      if (other === undefined) throw new CoordinatorError(`job token allowlist names unknown project ${entry}`)

      return other.id
    })

    const segments = path.split('/')
    const project: ProjectRecord = {
      id: this.state.allocateProjectId(),
      path,
      name: segments[segments.length - 1] ?? path,
      namespace: segments.slice(0, -1).join('/'),
      repoDir: resolve(options.repoDir),
      gitDir: absoluteGitDir(options.repoDir),
      cloneUrl: `${this.url}/${path}.git`,
      defaultBranch: currentBranch(options.repoDir) || 'main',
      jobTokenAllowlist: allowlist,
    }
    this.state.projects.set(project.id, project)

    return { id: project.id, path, cloneUrl: project.cloneUrl }
  }

  /**
   * A full sha names the same commit forever, so its details are read once per project:
   * a local pipeline enqueues every job at one sha, and each read is a git process that
   * blocks the event loop. Branch and tag names are read every time (they move).
   */
  #readCommit(project: ProjectRecord, commitish: string): CommitInfo {
    if (!/^[0-9a-f]{40}$/.test(commitish)) return readCommit(project.repoDir, commitish)
    const key = `${project.id}\0${commitish}`
    let commit = this.#commits.get(key)
    if (commit === undefined) {
      commit = readCommit(project.repoDir, commitish)
      this.#commits.set(key, commit)
    }

    return commit
  }

  project(idOrPath: number | string): ProjectRecord | undefined {
    return this.state.projectByIdOrPath(idOrPath)
  }

  /**
   * Queues a job for the next matching runner. Resolves the commit now and, as GitLab
   * does, points `refs/pipelines/<pipeline id>` at it in the served repository.
   */
  enqueueJob(spec: JobSpec): EnqueuedJob {
    const project = this.state.projectByIdOrPath(spec.project)
    if (project === undefined) throw new CoordinatorError(`no project ${spec.project}`, { hint: 'call addProject first' })
    for (const dep of spec.dependencies ?? []) {
      if (!this.state.jobs.has(dep)) throw new CoordinatorError(`dependency ${dep} is not a known job`)
    }

    const ref = spec.ref ?? project.defaultBranch
    const qualified = (spec.refType ?? 'branch') === 'tag' ? `refs/tags/${ref}` : `refs/heads/${ref}`
    const commit = this.#readCommit(project, spec.sha ?? qualified)
    const pipelineId = this.state.allocatePipelineId(spec.pipelineId)
    const pipelineRef = `${project.id}\0${pipelineId}\0${commit.sha}`
    if (!this.#pipelineRefs.has(pipelineRef)) {
      updateRef(project.repoDir, `refs/pipelines/${pipelineId}`, commit.sha)
      this.#pipelineRefs.add(pipelineRef)
    }

    const job = new JobRecord(this.state.allocateJobId(), newJobToken(), project.id, pipelineId, commit.sha, spec)
    job.commit = commit
    this.state.jobs.set(job.id, job)
    this.state.bumpRunnersFor(job)
    this.state.events.emit('job-enqueued', job)

    return { id: job.id, token: job.token }
  }

  job(id: number): JobRecord | undefined {
    return this.state.jobs.get(id)
  }

  /** Every job, in enqueue order. */
  jobs(): JobRecord[] {
    return [...this.state.jobs.values()]
  }

  /** Resolves once the job is in one of `states`; rejects with JobWaitTimeoutError. */
  waitForJob(id: number, options: WaitForJobOptions = {}): Promise<JobRecord> {
    const job = this.state.jobs.get(id)
    if (job === undefined) return Promise.reject(new CoordinatorError(`no job ${id}`))
    const states: readonly string[] = options.states ?? FINAL_JOB_STATES
    const timeoutMs = options.timeoutMs ?? 30_000
    if (states.includes(job.state)) return Promise.resolve(job)

    return new Promise((resolve, reject) => {
      const onState = (changed: JobRecord): void => {
        if (changed.id !== id || !states.includes(changed.state)) return
        clearTimeout(timer)
        this.state.events.off('job-state', onState)
        resolve(changed)
      }
      const timer = setTimeout(() => {
        this.state.events.off('job-state', onState)
        reject(new JobWaitTimeoutError(id, states, job.state, timeoutMs))
      }, timeoutMs)
      this.state.events.on('job-state', onState)
    })
  }

  /** graceful: running jobs answer Job-Status canceling; hard: canceled at once. */
  cancelJob(id: number, mode: 'graceful' | 'hard'): void {
    const job = this.state.jobs.get(id)
    if (job === undefined) throw new CoordinatorError(`no job ${id}`)
    if (job.final) return
    job.cancelMode = mode
    const unstarted = job.state === 'pending'
    if (mode === 'graceful' && job.processing) job.state = 'canceling'
    else {
      job.state = 'canceled'
      job.awaitingAck = false
      job.finishedAt = Date.now()
    }
    if (unstarted) this.state.bumpRunnersFor(job)
    this.state.emitJobState(job)
  }

  /** The job's token stops working everywhere (403 on PUT/PATCH, 401 on git and downloads). */
  revokeJobToken(id: number): void {
    const job = this.state.jobs.get(id)
    if (job === undefined) throw new CoordinatorError(`no job ${id}`)
    job.tokenRevoked = true
  }

  /** The runner token stops working (403 on every runner endpoint). */
  revokeRunnerToken(token: string): void {
    const runner = this.runner(token)
    if (runner === undefined) throw new CoordinatorError('no runner has that token')
    runner.token = `revoked:${runner.token}`
  }

  inject(fault: Fault): void {
    this.faults.add(fault)
  }

  /** Ends held polls, drops connections, stops git processes, removes a temp data dir. */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return
    this.closing.abort()
    this.#reaper?.stop()
    this.state.wakeAllPolls()
    for (const kill of this.children) kill()
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server.closeIdleConnections()
    // Give woken polls a moment to flush their 204 before cutting what is left.
    await new Promise((resolve) => setTimeout(resolve, 20))
    this.server.closeAllConnections()
    await closed
    if (this.ownsDataDir) await rm(this.options.dataDir, { recursive: true, force: true })
  }
}
