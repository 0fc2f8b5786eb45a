/**
 * The coordinator's in-memory world: registration tokens, runners and their managers,
 * projects, jobs, per-runner queue versions and held long-poll requests. Route handlers
 * and the programmatic API both work on this one object.
 */
import { EventEmitter } from 'node:events'
import type { JobRecord } from './job-record.js'
import { newQueueVersion } from './tokens.js'
import type { ProjectRecord, RunnerManagerRecord, RunnerRecord } from './types.js'

interface HeldPoll {
  wake: () => void
}

export class CoordinatorState {
  readonly registrationTokens = new Map<string, { disabled: boolean }>()
  readonly personalAccessTokens = new Set<string>()
  readonly runners = new Map<number, RunnerRecord>()
  readonly projects = new Map<number, ProjectRecord>()
  readonly jobs = new Map<number, JobRecord>()
  readonly events = new EventEmitter()

  private readonly queueVersions = new Map<number, string>()
  private readonly heldPolls = new Map<number, Set<HeldPoll>>()
  private nextRunnerId = 1
  private nextProjectId = 1
  private nextJobId = 1
  private nextPipelineId = 1

  constructor() {
    // Tests attach many short-lived listeners (waitForJob); the default cap of 10 only warns.
    this.events.setMaxListeners(0)
  }

  allocateRunnerId(): number {
    return this.nextRunnerId++
  }

  allocateProjectId(): number {
    return this.nextProjectId++
  }

  allocateJobId(): number {
    return this.nextJobId++
  }

  /** A pipeline id not used yet; an explicit id moves the counter past it. */
  allocatePipelineId(explicit?: number): number {
    if (explicit !== undefined) {
      this.nextPipelineId = Math.max(this.nextPipelineId, explicit + 1)

      return explicit
    }

    return this.nextPipelineId++
  }

  /** The runner owning a token, if the token is current and not expired. */
  runnerByToken(token: unknown): RunnerRecord | undefined {
    if (typeof token !== 'string' || token === '') return undefined
    for (const runner of this.runners.values()) {
      if (runner.token !== token) continue
      if (runner.tokenExpiresAt !== null && Date.parse(runner.tokenExpiresAt) <= Date.now()) return undefined

      return runner
    }

    return undefined
  }

  projectByIdOrPath(idOrPath: number | string): ProjectRecord | undefined {
    if (typeof idOrPath === 'number') return this.projects.get(idOrPath)
    const wanted = idOrPath.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '')
    for (const project of this.projects.values()) {
      if (project.path === wanted) return project
    }

    return undefined
  }

  jobByToken(token: unknown): JobRecord | undefined {
    if (typeof token !== 'string' || token === '') return undefined
    for (const job of this.jobs.values()) {
      if (job.token === token && !job.tokenRevoked) return job
    }

    return undefined
  }

  queueVersion(runnerId: number): string {
    let version = this.queueVersions.get(runnerId)
    if (version === undefined) {
      version = newQueueVersion()
      this.queueVersions.set(runnerId, version)
    }

    return version
  }

  /** The set of jobs this runner could take changed: new version, wake its held polls. */
  bumpQueue(runnerId: number): void {
    this.queueVersions.set(runnerId, newQueueVersion())
    const held = this.heldPolls.get(runnerId)
    if (held === undefined) return
    this.heldPolls.delete(runnerId)
    for (const poll of held) poll.wake()
  }

  /** Bumps every runner that could run `job` (after an enqueue, pick or cancel). */
  bumpRunnersFor(job: JobRecord): void {
    for (const runner of this.runners.values()) {
      if (runnerCanRun(runner, job.spec.tags ?? [])) this.bumpQueue(runner.id)
    }
  }

  /** Registers a held request; returns a function that unregisters it. */
  holdPoll(runnerId: number, wake: () => void): () => void {
    const poll: HeldPoll = { wake }
    let held = this.heldPolls.get(runnerId)
    if (held === undefined) {
      held = new Set()
      this.heldPolls.set(runnerId, held)
    }
    held.add(poll)

    return () => {
      this.heldPolls.get(runnerId)?.delete(poll)
    }
  }

  /** Wakes every held poll (shutdown). */
  wakeAllPolls(): void {
    const all = [...this.heldPolls.values()]
    this.heldPolls.clear()
    for (const held of all) for (const poll of held) poll.wake()
  }

  /** The oldest pending, unassigned job this runner may take. */
  nextJobFor(runner: RunnerRecord): JobRecord | undefined {
    for (const job of this.jobs.values()) {
      if (job.state !== 'pending' || job.runnerId !== undefined) continue
      if (runnerCanRun(runner, job.spec.tags ?? [])) return job
    }

    return undefined
  }

  /** Records the runner manager a request came from, and its latest `info`. */
  touchManager(runner: RunnerRecord, systemId: unknown, info: unknown): RunnerManagerRecord {
    const id = typeof systemId === 'string' && systemId !== '' ? systemId : '<legacy>'
    const now = Date.now()
    let manager = runner.managers.get(id)
    if (manager === undefined) {
      manager = { systemId: id, info: undefined, firstContactAt: now, lastContactAt: now }
      runner.managers.set(id, manager)
    }
    manager.lastContactAt = now
    if (typeof info === 'object' && info !== null) manager.info = info as Record<string, unknown>

    return manager
  }

  emitJobState(job: JobRecord): void {
    this.events.emit('job-state', job)
  }
}

/** GitLab's matching: the job's tags must all be on the runner; untagged jobs need run_untagged. */
export function runnerCanRun(runner: RunnerRecord, jobTags: readonly string[]): boolean {
  if (jobTags.length === 0) return runner.runUntagged

  return jobTags.every((tag) => runner.tags.includes(tag))
}
