/**
 * `PUT /api/v4/jobs/:id` (runner-api.md 3): two-phase acknowledgement, heartbeats and the
 * final update, with the trace checksum checked the way GitLab's build-state service does.
 */
import { crc32 } from 'node:zlib'
import {
  authenticateJob,
  field,
  jobStatusHeaders,
  jobTokenOf,
  sendMessage,
  sendText,
  type RouteContext,
} from '../http.js'
import type { JobRecord } from '../job-record.js'
import { GITLAB_FAILURE_REASONS } from '../payload.js'
import type { Route } from './route.js'

const KNOWN_STATES = ['', 'pending', 'running', 'success', 'failed']

/** `crc32:` + 8 lowercase hex digits, as runners send it. */
export function traceChecksum(trace: Buffer): string {
  return `crc32:${crc32(trace).toString(16).padStart(8, '0')}`
}

function normaliseFailureReason(reason: unknown): string {
  if (typeof reason === 'string' && (GITLAB_FAILURE_REASONS as readonly string[]).includes(reason)) return reason

  return 'unknown_failure'
}

function applyFinal(ctx: RouteContext, job: JobRecord, state: 'success' | 'failed'): void {
  const output = field(ctx.json, 'output')
  const checksum = field(output, 'checksum') ?? field(ctx.json, 'checksum')
  const bytesize = field(output, 'bytesize')
  job.checksum = typeof checksum === 'string' ? checksum : undefined
  job.checksumMatches = job.checksum === undefined ? undefined : job.checksum === traceChecksum(job.trace)
  // Runners omit bytesize when the trace is empty.
  job.bytesize = typeof bytesize === 'number' ? bytesize : undefined
  job.bytesizeMatches = job.bytesize === undefined ? (job.checksum === undefined ? undefined : job.traceLength === 0) : job.bytesize === job.traceLength

  const exitCode = field(ctx.json, 'exit_code')
  job.exitCode = typeof exitCode === 'number' ? exitCode : undefined
  if (state === 'failed') {
    const reported = field(ctx.json, 'failure_reason')
    job.reportedFailureReason = typeof reported === 'string' ? reported : undefined
    job.failureReason = normaliseFailureReason(reported)
  }
  // A job the user canceled ends as canceled whatever the runner reports.
  job.state = job.state === 'canceling' ? 'canceled' : state
  job.finishedAt = Date.now()
  ctx.state.emitJobState(job)
}

function updateJob(ctx: RouteContext): void {
  const auth = authenticateJob(ctx, jobTokenOf(ctx))
  const job = ctx.state.jobs.get(Number(ctx.params[0]))
  const stateField = field(ctx.json, 'state')
  const state = typeof stateField === 'string' ? stateField : ''
  const answer = (status: number, detail?: string, withStatus = true): void => {
    job?.updates.push({ body: ctx.json ?? ctx.body.toString('utf8'), state, status, time: Date.now() })
    const headers = withStatus && job !== undefined ? jobStatusHeaders(ctx, job) : {}
    if (status === 200) sendText(ctx.res, 200, '200', headers)
    else sendMessage(ctx.res, status, detail, headers)
  }

  if (!auth.ok) return answer(auth.status, undefined, false)
  // Any update of an unfinished job counts as a heartbeat (the reaper's clock), as GitLab
  // counts it (updated_at, the ack wait's TTL).
  if (!auth.job.final) auth.job.lastContactAt = Date.now()
  if (!KNOWN_STATES.includes(state)) return answer(400, `unknown state ${state}`)

  if (auth.job.awaitingAck) {
    if (state === 'pending') return answer(200)
    if (state !== 'running') return answer(400, 'job is waiting for the runner acknowledgement')
    auth.job.awaitingAck = false
    auth.job.state = 'running'
    auth.job.runningSince = Date.now()
    ctx.state.emitJobState(auth.job)

    return answer(200)
  }
  if (!auth.job.processing) return answer(403, 'Job is not processing on runner')
  if (state === 'pending') return answer(409, 'job already acknowledged')
  if (state === 'success' || state === 'failed') applyFinal(ctx, auth.job, state)

  answer(200)
}

export const jobUpdateRoutes: Route[] = [
  { method: 'PUT', pattern: /^\/api\/v4\/jobs\/(\d+)$/, endpoint: 'update', jobIdParam: 0, handler: updateJob },
]
