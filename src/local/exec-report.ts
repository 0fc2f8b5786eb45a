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

export function formatSummary(summary: PipelineSummary, colour: boolean): string {
  const rows = [['job', 'stage', 'status', 'duration', 'exit code']]
  for (const job of summary.jobs) {
    const status = job.status === 'failed' && job.failure_allowed ? 'failed (allowed)' : job.status
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
