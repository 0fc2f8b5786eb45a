/**
 * Which jobs a local run includes when the user names some (`glrunner exec build test`):
 * the named jobs plus everything they need — their `needs` (transitively), or, for jobs
 * ordered by stages, their `dependencies` or else every job of the earlier stages.
 */
import { GlrunnerError } from '../core/errors.js'
import type { PipelinePlan, PlanJob } from '../pipeline/index.js'

function prerequisitesOf(plan: PipelinePlan, job: PlanJob): string[] {
  if (job.needs !== undefined) return job.needs.filter((need) => plan.jobs.some((other) => other.name === need.job)).map((need) => need.job)
  if (job.dependencies !== undefined) return job.dependencies
  const stageIndex = plan.stages.indexOf(job.stage)

  return plan.jobs.filter((other) => plan.stages.indexOf(other.stage) < stageIndex).map((other) => other.name)
}

/** Jobs whose name or base name (before parallel expansion) is one of `names`. */
function matchNames(plan: PipelinePlan, names: string[]): PlanJob[] {
  const matched: PlanJob[] = []
  for (const name of names) {
    const jobs = plan.jobs.filter((job) => job.name === name || job.baseName === name)
    if (jobs.length === 0) {
      const known = plan.jobs.map((job) => job.name).join(', ')
      // `gitlab-runner exec shell build` named the executor first; here it is an option.
      const executorHint = ['shell', 'docker'].includes(name) ? ` To choose the executor, use --executor ${name}.` : ''
      throw new GlrunnerError('GLR_UNKNOWN_JOB', `job "${name}" is not in the pipeline`, {
        failureReason: 'runner_configuration_error',
        hint: `Jobs in this pipeline: ${known || '(none)'}. Hidden jobs (.name) and jobs excluded by rules cannot be run.${executorHint}`,
      })
    }
    matched.push(...jobs)
  }

  return matched
}

export interface JobSelection {
  /** Names of the jobs to run, in plan order. */
  jobs: Set<string>
  /** The jobs the user named (run even when manual). */
  named: Set<string>
}

export function selectJobs(plan: PipelinePlan, names: string[], options: { onlyNeeds?: boolean; manual?: string[] } = {}): JobSelection {
  // --manual names are checked like job names: a typo would otherwise be silently ignored.
  if (options.manual !== undefined && options.manual.length > 0) matchNames(plan, options.manual)
  if (names.length === 0) {
    if (options.onlyNeeds) {
      throw new GlrunnerError('GLR_ONLY_NEEDS_WITHOUT_JOBS', '--only-needs runs what the named jobs need, but no job was named', {
        failureReason: 'runner_configuration_error',
        hint: 'Name the jobs: glrunner exec --only-needs deploy',
      })
    }

    return { jobs: new Set(plan.jobs.map((job) => job.name)), named: new Set() }
  }

  const named = matchNames(plan, names)
  const selected = new Set<string>()
  const queue = named.flatMap((job) => (options.onlyNeeds ? prerequisitesOf(plan, job) : [job.name]))
  while (queue.length > 0) {
    const name = queue.shift() as string
    if (selected.has(name)) continue
    selected.add(name)
    const job = plan.jobs.find((candidate) => candidate.name === name)
    if (job !== undefined) queue.push(...prerequisitesOf(plan, job))
  }

  return { jobs: selected, named: new Set(options.onlyNeeds ? [] : named.map((job) => job.name)) }
}

/** The plan restricted to the selected jobs, stages kept in order. */
export function restrictPlan(plan: PipelinePlan, selection: JobSelection): PipelinePlan {
  const jobs = plan.jobs.filter((job) => selection.jobs.has(job.name))

  return { ...plan, jobs, stages: plan.stages.filter((stage) => jobs.some((job) => job.stage === stage)) }
}
