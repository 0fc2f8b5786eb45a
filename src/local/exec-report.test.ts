import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatSummary } from './exec-report.js'
import type { PipelineSummary } from './run-pipeline.js'

type SummaryJob = PipelineSummary['jobs'][number]

function job(name: string, fields: Partial<SummaryJob>): SummaryJob {
  return { name, stage: 'test', status: 'success', exit_code: null, duration_s: 1, failure_reason: null, allow_failure: false, failure_allowed: false, attempts: 1, ...fields }
}

test('the summary says why a job failed when it was not its script, whether the failure was allowed, and which attempt it shows', () => {
  const text = formatSummary({
    status: 'failed',
    logsDir: '/logs',
    jobs: [
      job('ok', {}),
      job('script', { status: 'failed', exit_code: 3, failure_reason: 'script_failure' }),
      job('slow', { status: 'failed', failure_reason: 'job_execution_timeout' }),
      job('flaky', { status: 'failed', exit_code: 1, failure_reason: 'script_failure', failure_allowed: true }),
      job('lost', { status: 'failed', failure_reason: 'stuck_or_timeout_failure', failure_allowed: true }),
      job('retried', { status: 'success', attempts: 3 }),
    ],
  }, false)

  assert.match(text, /^script\s+test\s+failed\s+1\.0s\s+3$/m)
  assert.match(text, /^slow\s+test\s+failed \(job execution timeout\)\s+1\.0s$/m)
  assert.match(text, /^flaky\s+test\s+failed \(allowed\)\s+1\.0s\s+1$/m)
  assert.match(text, /^lost\s+test\s+failed \(stuck or timeout failure, allowed\)\s+1\.0s$/m)
  assert.match(text, /^retried\s+test\s+success \(attempt 3\)\s+1\.0s$/m)
  assert.match(text, /pipeline failed {2}\(full logs: \/logs\)/)
})
