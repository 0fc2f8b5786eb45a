/**
 * `PATCH /api/v4/jobs/:id/trace` (runner-api.md 4.1, 4.2): strict append. Only the start
 * of Content-Range counts; a chunk that does not start at the stored length writes
 * nothing and gets 416 with the stored length.
 */
import {
  authenticateJob,
  header,
  jobStatusHeaders,
  jobTokenOf,
  sendEmpty,
  sendMessage,
  sendText,
  type RouteContext,
} from '../http.js'
import type { Route } from './route.js'

/** Rails' `to_i`: leading digits, 0 when there are none. */
function rubyToI(text: string): number {
  const match = /^\s*([+-]?\d+)/.exec(text)

  return match?.[1] === undefined ? 0 : Number.parseInt(match[1], 10)
}

function patchTrace(ctx: RouteContext): void {
  const auth = authenticateJob(ctx, jobTokenOf(ctx))
  if (!auth.ok) return sendMessage(ctx.res, auth.status)
  const job = auth.job
  if (!job.processing) return sendMessage(ctx.res, 403, 'Job is not processing on runner', { 'Job-Status': job.state })
  // Even a PATCH answered 416 shows the runner is alive (the reaper's clock).
  job.lastContactAt = Date.now()

  const contentRange = header(ctx, 'content-range')
  if (contentRange === undefined) return sendMessage(ctx.res, 400, 'Missing header Content-Range')
  job.debugTrace = ctx.query.get('debug_trace') === 'true'

  const start = rubyToI(contentRange.split('-')[0] ?? '')
  if (start !== job.traceLength) return sendEmpty(ctx.res, 416, { Range: `0-${job.traceLength}` })

  const limit = ctx.options.traceSizeLimitBytes
  if (limit !== undefined && job.traceLength + ctx.body.length > limit) {
    job.state = 'failed'
    job.failureReason = 'trace_size_exceeded'
    job.finishedAt = Date.now()
    ctx.state.emitJobState(job)

    return sendMessage(ctx.res, 403, 'Job is not processing on runner', { 'Job-Status': job.state })
  }

  job.appendTrace(ctx.body)
  if (ctx.body.length > 0) ctx.state.events.emit('trace', job, ctx.body)
  sendText(ctx.res, 202, '202', { ...jobStatusHeaders(ctx, job), Range: `0-${job.traceLength}` })
}

export const traceRoutes: Route[] = [
  { method: 'PATCH', pattern: /^\/api\/v4\/jobs\/(\d+)\/trace$/, endpoint: 'trace', jobIdParam: 0, handler: patchTrace },
]
