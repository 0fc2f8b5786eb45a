/**
 * What `glrunner exec` prints about a pipeline: the job list (`--list`, `--list-json`) and
 * the final summary table.
 */
import type { PipelinePlan } from '../pipeline/index.js'
import type { PipelineSummary } from './run-pipeline.js'

export interface ListedJob {
  name: string
  stage: string
  when: string
  allow_failure: boolean
  needs: string[] | null
}

export function listJobs(plan: PipelinePlan): ListedJob[] {
  return plan.jobs.map((job) => ({
    name: job.name,
    stage: job.stage,
    when: job.when,
    allow_failure: job.allowFailure !== false,
    needs: job.needs === undefined ? null : job.needs.map((need) => need.job),
  }))
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? []

  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n') + '\n'
}

export function formatJobList(plan: PipelinePlan): string {
  const rows = [['name', 'stage', 'when', 'allow_failure', 'needs']]
  for (const job of listJobs(plan)) {
    rows.push([job.name, job.stage, job.when, String(job.allow_failure), job.needs === null ? '' : `[${job.needs.join(', ')}]`])
  }

  return table(rows)
}

const STATUS_COLOURS: Record<string, string> = { success: '\x1b[32m', failed: '\x1b[31m', canceled: '\x1b[33m', skipped: '\x1b[90m', manual: '\x1b[90m' }

/** `failed`, with why when it was not the script's exit code, and `allowed` when so. */
function failedStatus(job: PipelineSummary['jobs'][number]): string {
  const why = job.failure_reason !== null && job.failure_reason !== undefined && job.failure_reason !== 'script_failure' ? job.failure_reason.replace(/_/g, ' ') : ''
  const notes = [why, job.failure_allowed ? 'allowed' : ''].filter((note) => note !== '')

  return notes.length > 0 ? `failed (${notes.join(', ')})` : 'failed'
}

export function formatSummary(summary: PipelineSummary, colour: boolean): string {
  const rows = [['job', 'stage', 'status', 'duration', 'exit code']]
  for (const job of summary.jobs) {
    const status = (job.status === 'failed' ? failedStatus(job) : job.status) + (job.attempts > 1 ? ` (attempt ${job.attempts})` : '')
    rows.push([job.name, job.stage, status, job.duration_s === null ? '' : `${job.duration_s.toFixed(1)}s`, job.exit_code === null ? '' : String(job.exit_code)])
  }

  let text = table(rows)
  if (colour) {
    text = text
      .split('\n')
      .map((line, index) => {
        const job = summary.jobs[index - 1]
        const code = job === undefined ? undefined : STATUS_COLOURS[job.status]

        return code === undefined ? line : `${code}${line}\x1b[0m`
      })
      .join('\n')
  }
  const verdict = `pipeline ${summary.status}`

  return `\n${text}\n${colour ? `${STATUS_COLOURS[summary.status] ?? ''}${verdict}\x1b[0m` : verdict}  (full logs: ${summary.logsDir})\n`
}

/**
 * The compiled pipeline as `.gitlab-ci.yml`-style YAML (`--preview`), like GitLab's merged
 * YAML view: top-level `variables:` and `workflow:` as written, `default:` left out because
 * it is already applied to the jobs, then `stages` and one entry per concrete job (includes,
 * `extends`, `!reference`, rules and `parallel` applied) with GitLab's keys, empty and
 * default values left out.
 */
export function previewDocument(plan: PipelinePlan): Record<string, unknown> {
  const document: Record<string, unknown> = {}
  if (plan.yamlVariables !== undefined) document.variables = plan.yamlVariables
  if (plan.workflow !== undefined) document.workflow = plan.workflow
  document.stages = plan.stages
  for (const job of plan.jobs) {
    const entry: Record<string, unknown> = { stage: job.stage }
    if (job.image) entry.image = job.image.entrypoint ? { name: job.image.name, entrypoint: job.image.entrypoint } : job.image.name
    if (job.services.length > 0) entry.services = job.services.map((service) => (service.aliases.length > 0 ? { name: service.name, alias: service.aliases.join(',') } : service.name))
    // After rules: the variables of the rule that matched override the job's own.
    const ruleVariables = job.rule?.rule.variables
    const variables = { ...job.yamlVariables, ...(typeof ruleVariables === 'object' && ruleVariables !== null ? ruleVariables : {}) }
    if (Object.keys(variables).length > 0) entry.variables = variables
    if (job.beforeScript.length > 0) entry.before_script = job.beforeScript
    if (job.trigger) entry.trigger = job.trigger.project ?? { include: job.trigger.include, ...(job.trigger.strategy ? { strategy: job.trigger.strategy } : {}) }
    else entry.script = job.script
    if (job.afterScript.length > 0) entry.after_script = job.afterScript
    if (job.needs !== undefined) entry.needs = job.needs.map((need) => (need.artifacts && !need.optional ? need.job : { job: need.job, artifacts: need.artifacts, optional: need.optional }))
    if (job.dependencies !== undefined) entry.dependencies = job.dependencies
    if (job.when !== 'on_success') entry.when = job.when
    if (job.startIn) entry.start_in = job.startIn
    if (job.allowFailure !== false) entry.allow_failure = job.allowFailure === true ? true : { exit_codes: job.allowFailure.exitCodes }
    if (job.artifacts) entry.artifacts = previewArtifacts(job.artifacts)
    if (job.cache.length > 0) entry.cache = job.cache.map((cache) => ({ key: cache.key, paths: cache.paths, policy: cache.policy, when: cache.when, ...(cache.fallbackKeys.length > 0 ? { fallback_keys: cache.fallbackKeys } : {}), ...(cache.untracked ? { untracked: true } : {}) }))
    const plainRetry = job.retry.when.length === 0 || (job.retry.when.length === 1 && job.retry.when[0] === 'always')
    if (job.retry.max > 0) entry.retry = plainRetry && job.retry.exitCodes.length === 0 ? job.retry.max : { max: job.retry.max, when: job.retry.when, ...(job.retry.exitCodes.length > 0 ? { exit_codes: job.retry.exitCodes } : {}) }
    if (job.timeoutSeconds !== undefined) entry.timeout = `${job.timeoutSeconds}s`
    if (job.tags.length > 0) entry.tags = job.tags
    if (job.environment) entry.environment = job.environment.name
    if (job.resourceGroup) entry.resource_group = job.resourceGroup
    if (job.interruptible) entry.interruptible = true
    document[job.name] = entry
  }

  return document
}

function previewArtifacts(artifacts: NonNullable<PipelinePlan['jobs'][number]['artifacts']>): Record<string, unknown> {
  return {
    ...(artifacts.name ? { name: artifacts.name } : {}),
    ...(artifacts.paths.length > 0 ? { paths: artifacts.paths } : {}),
    ...(artifacts.exclude.length > 0 ? { exclude: artifacts.exclude } : {}),
    ...(artifacts.untracked ? { untracked: true } : {}),
    ...(artifacts.when !== 'on_success' ? { when: artifacts.when } : {}),
    ...(artifacts.expireIn ? { expire_in: artifacts.expireIn } : {}),
    ...(Object.keys(artifacts.reports).length > 0 ? { reports: artifacts.reports } : {}),
  }
}
