/**
 * A pure state machine over a PipelinePlan (spec §13): which jobs may start, how results
 * propagate (when, allow_failure, manual, needs), retries, dotenv variables and the
 * pipeline's status. It runs nothing; the caller runs jobs and reports results.
 */
import type { PipelinePlan, PlanJob, PlanVariable } from './types.js'
import { expandVariables } from './variables/expand.js'

export type JobStatus = 'created' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped' | 'manual'
export type PipelineStatus = 'running' | 'success' | 'failed' | 'blocked' | 'canceled'

export interface JobResult {
  status: 'success' | 'failed' | 'canceled' | 'skipped'
  exitCode?: number
  /** GitLab failure reason, for `retry:when`; default `script_failure`. */
  failureReason?: string
}

export interface JobState {
  job: PlanJob
  status: JobStatus
  /** Attempts started so far. */
  attempts: number
  exitCode?: number
  /** Failed, but allowed to (a warning). */
  allowedFailure: boolean
  dotenv: PlanVariable[]
}

export interface PipelineRun {
  plan: PipelinePlan
  jobs: Map<string, JobState>
  /** Manual jobs the user asked to run. */
  manualJobs: Set<string>
}

export interface RunOptions {
  manualJobs?: string[]
  allManual?: boolean
}

export function createPipelineRun(plan: PipelinePlan, options: RunOptions = {}): PipelineRun {
  const jobs = new Map<string, JobState>()
  for (const job of plan.jobs) jobs.set(job.name, { job, status: 'created', attempts: 0, allowedFailure: false, dotenv: [] })
  const manual = options.allManual === true ? plan.jobs.filter((job) => job.when === 'manual').map((job) => job.name) : (options.manualJobs ?? [])

  return { plan, jobs, manualJobs: new Set(manual) }
}

function state(run: PipelineRun, name: string): JobState {
  const found = run.jobs.get(name)
  if (found === undefined) throw new Error(`unknown job ${name}`)

  return found
}

/** A manual job that was not requested and does not block later stages. */
function idleNonBlockingManual(s: JobState): boolean {
  return s.status === 'manual' && s.job.allowFailure !== false
}

const FINAL: JobStatus[] = ['success', 'failed', 'canceled', 'skipped']

/** Jobs a job waits for: its needs, or every job of the earlier stages. */
export function prerequisites(run: PipelineRun, job: PlanJob): JobState[] {
  if (job.needs !== undefined) return job.needs.map((need) => state(run, need.job))
  const stageIndex = run.plan.stages.indexOf(job.stage)

  return [...run.jobs.values()].filter((other) => run.plan.stages.indexOf(other.job.stage) < stageIndex)
}

type Decision = 'wait' | 'run' | 'skip' | 'manual'

function decide(run: PipelineRun, s: JobState): Decision {
  const job = s.job
  const prereqs = prerequisites(run, job)
  const dag = job.needs !== undefined
  const ready = prereqs.every((p) => FINAL.includes(p.status) || (!dag && idleNonBlockingManual(p)))
  if (!ready) return 'wait'

  const failed = prereqs.some((p) => (p.status === 'failed' && !p.allowedFailure) || p.status === 'canceled')
  const skippedNeed = dag && prereqs.some((p) => p.status === 'skipped')
  switch (job.when) {
    case 'on_failure':
      return failed ? 'run' : 'skip'
    case 'always':
      return 'run'
    case 'manual':
      if (failed || skippedNeed) return 'skip'

      return run.manualJobs.has(job.name) ? 'run' : 'manual'
    default:
      return failed || skippedNeed ? 'skip' : 'run'
  }
}

/** Settles skipped/manual jobs until nothing changes; returns the jobs that may start. */
function settle(run: PipelineRun): JobState[] {
  for (let changed = true; changed; ) {
    changed = false
    for (const s of run.jobs.values()) {
      if (s.status !== 'created') continue
      const decision = decide(run, s)
      if (decision === 'skip' || decision === 'manual') {
        s.status = decision === 'skip' ? 'skipped' : 'manual'
        changed = true
      }
    }
  }

  return [...run.jobs.values()].filter((s) => s.status === 'created' && decide(run, s) === 'run')
}

/** Jobs to start now, in plan order; they are marked running. */
export function nextRunnable(run: PipelineRun): PlanJob[] {
  const ready = settle(run)
  for (const s of ready) {
    s.status = 'running'
    s.attempts += 1
  }

  return ready.map((s) => s.job)
}

/** Starts a manual job the user asked for later (it runs on the next nextRunnable). */
export function playManualJob(run: PipelineRun, name: string): void {
  const s = state(run, name)
  run.manualJobs.add(name)
  if (s.status === 'manual') s.status = 'created'
}

export function isFailureAllowed(job: PlanJob, exitCode: number | undefined): boolean {
  if (typeof job.allowFailure === 'boolean') return job.allowFailure

  return exitCode !== undefined && job.allowFailure.exitCodes.includes(exitCode)
}

function shouldRetry(s: JobState, result: JobResult): boolean {
  const { retry } = s.job
  if (result.status !== 'failed' || s.attempts > retry.max) return false
  const reason = result.failureReason ?? 'script_failure'
  const byReason = retry.when.includes('always') || retry.when.includes(reason)
  const byCode = result.exitCode !== undefined && retry.exitCodes.includes(result.exitCode)

  return retry.exitCodes.length > 0 ? byCode || (retry.when.length > 0 && !retry.when.includes('always') && byReason) : byReason
}

/**
 * Records a finished attempt. Returns `{ retry: true }` when the job should run again (it
 * stays running and its attempt count grows).
 */
export function recordResult(run: PipelineRun, jobName: string, result: JobResult): { retry: boolean } {
  const s = state(run, jobName)
  if (shouldRetry(s, result)) {
    s.attempts += 1

    return { retry: true }
  }

  s.status = result.status
  if (result.exitCode !== undefined) s.exitCode = result.exitCode
  s.allowedFailure = result.status === 'failed' && isFailureAllowed(s.job, result.exitCode)

  return { retry: false }
}

/** Cancels every job that has not finished. */
export function cancelRun(run: PipelineRun): void {
  for (const s of run.jobs.values()) if (s.status === 'created' || s.status === 'running') s.status = 'canceled'
}

export function pipelineStatus(run: PipelineRun): PipelineStatus {
  const states = [...run.jobs.values()]
  if (states.some((s) => s.status === 'running') || settle(run).length > 0) return 'running'
  if (states.some((s) => s.status === 'failed' && !s.allowedFailure)) return 'failed'
  if (states.some((s) => s.status === 'manual' && s.job.allowFailure === false)) return 'blocked'
  if (states.every((s) => s.status === 'canceled' || s.status === 'skipped') && states.some((s) => s.status === 'canceled')) return 'canceled'

  return 'success'
}

/** True when some job failed but was allowed to ("passed with warnings"). */
export function hasWarnings(run: PipelineRun): boolean {
  return [...run.jobs.values()].some((s) => s.status === 'failed' && s.allowedFailure)
}

/** Jobs whose artifacts (and dotenv variables) a job receives, in the order they apply. */
export function artifactProducers(run: PipelineRun, jobName: string): string[] {
  const job = state(run, jobName).job
  let names: string[]
  if (job.needs !== undefined) names = job.needs.filter((need) => need.artifacts).map((need) => need.job)
  else if (job.dependencies !== undefined) names = job.dependencies
  else names = prerequisites(run, job).map((s) => s.job.name)

  return names.filter((name) => {
    const producer = run.jobs.get(name)
    if (producer?.job.artifacts === undefined) return false
    const when = producer.job.artifacts?.when ?? 'on_success'
    if (producer.status === 'success') return when !== 'on_failure'
    if (producer.status === 'failed') return when !== 'on_success'

    return false
  })
}

/** Stores the variables of a producer's dotenv report (already parsed, see parseDotenv). */
export function applyDotenv(run: PipelineRun, producer: string, variables: PlanVariable[] | Record<string, string>): void {
  const list = Array.isArray(variables) ? variables : Object.entries(variables).map(([key, value]) => ({ key, value, raw: false }))
  state(run, producer).dotenv = list.map((variable) => ({ ...variable, raw: false }))
}

/**
 * The job's variables at run time, unexpanded: compile-time variables, then dotenv variables
 * of its producers (above YAML variables), then pipeline variables on top (spec §7.3).
 */
export function jobVariables(run: PipelineRun, jobName: string): PlanVariable[] {
  const job = state(run, jobName).job
  const dotenv = artifactProducers(run, jobName).flatMap((name) => state(run, name).dotenv)
  const list = [...job.variables, ...dotenv, ...run.plan.pipelineVariables]
  const byKey = new Map<string, PlanVariable>()
  for (const variable of list) {
    byKey.delete(variable.key)
    byKey.set(variable.key, variable)
  }

  return [...byKey.values()]
}

/** jobVariables, expanded (what `image:`, `cache:key`, `artifacts:paths` are expanded with). */
export function jobRuntimeVariables(run: PipelineRun, jobName: string): Record<string, string> {
  return expandVariables(jobVariables(run, jobName))
}

export function jobState(run: PipelineRun, jobName: string): JobState {
  return state(run, jobName)
}
