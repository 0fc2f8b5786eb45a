/**
 * Job endpoints: request a job (spec 2), update it (3) and append to its trace (4).
 * Each returns a typed outcome; none throws for an HTTP answer.
 */
import { formatError } from '../core/errors.js'
import { gitlabMessage, STATUS_CLIENT_ERROR, STATUS_REQUEST_FAILED } from './api-error.js'
import type { ApiClient, ApiResponse } from './api-client.js'
import type { RunnerInfo } from './runner-info.js'

/** Trace PATCH bodies are at most 1 MiB. */
export const MAX_TRACE_CHUNK_BYTES = 1024 * 1024
/** The server's update interval is capped at 15 min. */
export const MAX_UPDATE_INTERVAL_MS = 15 * 60_000

export type RequestJobResult =
  | { kind: 'job'; payload: unknown; status: 201; healthy: true }
  | {
      kind: 'no-job'
      status: number
      healthy: boolean
      message: string
      level: 'debug' | 'warn' | 'error'
      /**
       * A long poll ended without a job by Workhorse itself (Gitlab-Ci-Builds-Polling and no
       * X-GitLab-Last-Update): the queue changed or the hold ran out, so asking again at once
       * is right — the next request is held again, not answered in a loop.
       */
      longPollEnded?: boolean
    }

export interface RequestJobOptions {
  token: string
  systemId?: string
  info: RunnerInfo
  signal?: AbortSignal
}

/** `POST jobs/request`; only 403 and -100 are unhealthy (spec 8.4). */
export async function requestJob(client: ApiClient, o: RequestJobOptions): Promise<RequestJobResult> {
  const lastUpdate = client.lastUpdate(o.token)
  const body = { token: o.token, ...(o.systemId ? { system_id: o.systemId } : {}), ...(lastUpdate ? { last_update: lastUpdate } : {}), info: o.info }
  const res = await client.request({ endpoint: 'request_job', method: 'POST', path: 'jobs/request', json: body, expectJson: true, runnerToken: o.token, signal: o.signal })

  switch (res.status) {
    case 201:
      return { kind: 'job', payload: res.json, status: 201, healthy: true }
    case 204: {
      const longPollEnded = res.headers['gitlab-ci-builds-polling'] === 'yes' && res.headers['x-gitlab-last-update'] === undefined

      return { kind: 'no-job', status: 204, healthy: true, message: 'no job', level: 'debug', longPollEnded }
    }
    case 403:
      return { kind: 'no-job', status: 403, healthy: false, message: 'forbidden: runner token invalid or revoked', level: 'error' }
    case 409:
      return { kind: 'no-job', status: 409, healthy: true, message: 'conflict: job taken by another runner', level: 'debug' }
    case 422:
      return { kind: 'no-job', status: 422, healthy: true, message: 'runner is orphaned (project or group deleted)', level: 'warn' }
    case 503:
      return { kind: 'no-job', status: 503, healthy: true, message: 'GitLab is currently unavailable', level: 'warn' }
    case STATUS_CLIENT_ERROR:
      return { kind: 'no-job', status: res.status, healthy: false, message: `client error: ${formatError(res.error)}`, level: 'error' }
    case STATUS_REQUEST_FAILED:
      return { kind: 'no-job', status: res.status, healthy: true, message: `request failed: ${formatError(res.error)}`, level: o.signal?.aborted ? 'debug' : 'warn' }
    default:
      return { kind: 'no-job', status: res.status, healthy: true, message: `HTTP ${res.status}: ${gitlabMessage(res.body)}`, level: 'warn' }
  }
}

/** What a PUT or PATCH told the runner besides its own outcome. */
export interface JobStatusHints {
  status: number
  /** Job-Status: canceling — graceful cancel requested. */
  cancelRequested: boolean
  /** A valid X-GitLab-Trace-Update-Interval, in ms, capped at 15 min. */
  updateIntervalMs?: number
  /** A header value that was present but not a positive integer (logged, ignored). */
  invalidInterval?: string
  /** The Job-Status header, when present. */
  jobStatus?: string
  /** Short description for logs. */
  message: string
}

export type UpdateJobKind = 'ok' | 'accepted' | 'trace-reset' | 'abort' | 'not-found' | 'failure'
export type UpdateJobResult = JobStatusHints & { kind: UpdateJobKind }

export interface UpdateJobOptions {
  jobId: number
  jobToken: string
  state: 'pending' | 'running' | 'success' | 'failed'
  /** Already mapped onto the payload's failure_reasons (7.2). */
  failureReason?: string
  exitCode?: number
  checksum?: string
  bytesize?: number
  info: RunnerInfo
  signal?: AbortSignal
  /** Header interval unit; tests shrink it (default 1000 ms per second). */
  intervalUnitMs?: number
}

/** `PUT jobs/:id` (spec 3.2). */
export async function updateJob(client: ApiClient, o: UpdateJobOptions): Promise<UpdateJobResult> {
  const output: Record<string, unknown> = {}
  if (o.checksum) output.checksum = o.checksum
  if (o.bytesize) output.bytesize = o.bytesize
  const body: Record<string, unknown> = {
    token: o.jobToken,
    state: o.state,
    ...(o.state === 'failed' && o.failureReason ? { failure_reason: o.failureReason } : {}),
    ...(o.exitCode ? { exit_code: o.exitCode } : {}),
    ...(o.checksum ? { checksum: o.checksum } : {}),
    output,
    info: o.info,
  }
  const res = await client.request({ endpoint: 'update_job', method: 'PUT', path: `jobs/${o.jobId}`, json: body, jobToken: o.jobToken, signal: o.signal })
  const hints = statusHints(res, o.intervalUnitMs)

  return { ...hints, kind: updateKind(res.status, hints.jobStatus) }
}

function updateKind(status: number, jobStatus: string | undefined): UpdateJobKind {
  if (status === 403 || status === STATUS_CLIENT_ERROR || jobStatus === 'failed' || jobStatus === 'canceled') return 'abort'
  if (status === 200) return 'ok'
  if (status === 202) return 'accepted'
  if (status === 412) return 'trace-reset'
  if (status === 404) return 'not-found'

  return 'failure'
}

export type PatchTraceKind = 'ok' | 'range-mismatch' | 'abort' | 'not-found' | 'failure'
export type PatchTraceResult = JobStatusHints & {
  kind: PatchTraceKind
  /** For ok: start + bytes sent; for range-mismatch: the server's length (0 when unreadable). */
  newOffset?: number
}

export interface PatchTraceOptions {
  jobId: number
  jobToken: string
  offset: number
  bytes: Buffer
  debugTrace: boolean
  signal?: AbortSignal
  intervalUnitMs?: number
}

/** `PATCH jobs/:id/trace` with an inclusive Content-Range (spec 4.1, 4.2). */
export async function patchTrace(client: ApiClient, o: PatchTraceOptions): Promise<PatchTraceResult> {
  if (o.bytes.length > MAX_TRACE_CHUNK_BYTES) throw new Error(`trace chunk of ${o.bytes.length} bytes exceeds ${MAX_TRACE_CHUNK_BYTES}`)
  const end = o.offset + o.bytes.length - 1
  const res = await client.request({
    endpoint: 'patch_trace',
    method: 'PATCH',
    path: `jobs/${o.jobId}/trace`,
    query: { debug_trace: String(o.debugTrace) },
    headers: { 'content-type': 'text/plain', 'content-range': `${o.offset}-${end}` },
    body: o.bytes,
    jobToken: o.jobToken,
    signal: o.signal,
  })
  const hints = statusHints(res, o.intervalUnitMs)
  if (res.status === 403 || hints.jobStatus === 'failed' || hints.jobStatus === 'canceled') return { ...hints, kind: 'abort' }
  if (res.status === 202) return { ...hints, kind: 'ok', newOffset: o.offset + o.bytes.length }
  if (res.status === 416) return { ...hints, kind: 'range-mismatch', newOffset: rangeEnd(res.headers.range) }
  if (res.status === 404) return { ...hints, kind: 'not-found' }

  return { ...hints, kind: 'failure' }
}

/** The number after `-` in `Range: 0-<length>`; 0 (full resend) when missing or malformed. */
export function rangeEnd(header: string | undefined): number {
  const match = /^\s*\d+-(\d+)\s*$/.exec(header ?? '')

  return match ? Number(match[1]) : 0
}

function statusHints(res: ApiResponse, intervalUnitMs = 1000): JobStatusHints {
  const jobStatus = res.headers['job-status'] || undefined
  const hints: JobStatusHints = { status: res.status, cancelRequested: jobStatus === 'canceling', message: describe(res) }
  if (jobStatus) hints.jobStatus = jobStatus
  const raw = res.headers['x-gitlab-trace-update-interval']
  if (raw !== undefined && raw !== '') {
    if (/^\d+$/.test(raw.trim()) && Number(raw) > 0) {
      hints.updateIntervalMs = Math.min(MAX_UPDATE_INTERVAL_MS, Number(raw) * intervalUnitMs)
    } else {
      hints.invalidInterval = raw
    }
  }

  return hints
}

function describe(res: ApiResponse): string {
  if (res.status === STATUS_REQUEST_FAILED || res.status === STATUS_CLIENT_ERROR) return formatError(res.error)

  return `HTTP ${res.status}`
}
