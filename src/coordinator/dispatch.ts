/**
 * The request pipeline: record the request, find its route, buffer the body (unless the
 * route streams), apply an injected fault, then run the handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FaultQueue } from './faults.js'
import { drain, jobStatusHeaders, parseJson, readBody, sendMessage, setCommonHeaders, type ResolvedOptions, type RouteContext } from './http.js'
import type { Route } from './routes/route.js'
import type { CoordinatorState } from './state.js'
import { newRequestId } from './tokens.js'
import type { FaultAction, RecordedRequest } from './types.js'

export interface DispatchDeps {
  routes: Route[]
  state: CoordinatorState
  faults: FaultQueue
  options: ResolvedOptions
  requests: RecordedRequest[]
  serverUrl: () => URL
  closing: AbortSignal
  track: RouteContext['track']
  /** Requests being answered now, and the most seen at once, per endpoint. */
  inFlight: Map<string, { now: number; max: number }>
}

function findRoute(routes: Route[], method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (!methods.includes(method)) continue
    const match = route.pattern.exec(path)
    if (match !== null) return { route, params: match.slice(1).map((group) => group ?? '') }
  }

  return undefined
}

/** Answers with the fault's status; for job endpoints it also does what that status implies. */
async function answerWithFault(ctx: RouteContext, route: Route, action: Extract<FaultAction, { status: number }>): Promise<void> {
  if (route.stream) await drain(ctx.req)
  const jobId = route.jobIdParam === undefined ? undefined : Number(ctx.params[route.jobIdParam])
  const job = jobId === undefined ? undefined : ctx.state.jobs.get(jobId)
  if (job !== undefined && action.truncateTraceTo !== undefined) job.truncateTrace(action.truncateTraceTo)
  // A 412 asks for the whole trace again; the strict append rule needs an empty trace for that.
  if (job !== undefined && route.endpoint === 'update' && action.status === 412) job.truncateTrace(0)
  const headers: Record<string, string> = {}
  if (job !== undefined && (route.endpoint === 'update' || route.endpoint === 'trace') && action.status < 500) {
    Object.assign(headers, jobStatusHeaders(ctx, job))
  }
  Object.assign(headers, action.headers ?? {})
  if (job !== undefined && route.endpoint === 'update') {
    const state = (ctx.json as { state?: unknown } | undefined)?.state
    job.updates.push({ body: ctx.json, state: typeof state === 'string' ? state : '', status: action.status, time: Date.now() })
  }

  const body = Buffer.from(action.body ?? '')
  const hasType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')
  setCommonHeaders(ctx.res, hasType || body.length === 0 ? headers : { 'Content-Type': 'text/plain', ...headers })
  ctx.res.writeHead(action.status, { 'Content-Length': String(body.length) })
  ctx.res.end(body)
}

export function createDispatcher(deps: DispatchDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendMessage(res, 500, (err as Error).message)
      else res.destroy()
    })
  }
}

async function handle(deps: DispatchDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://coordinator.invalid')
  const method = req.method ?? 'GET'
  const found = findRoute(deps.routes, method, url.pathname)
  const record: RecordedRequest = {
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')])),
    body: undefined,
    bodyBytes: 0,
    endpoint: found?.route.endpoint ?? 'unknown',
    time: Date.now(),
    status: undefined,
    dropped: false,
  }
  deps.requests.push(record)
  res.setHeader('X-Request-Id', newRequestId())
  res.on('finish', () => {
    record.status = res.statusCode
    deps.state.events.emit('request', record)
  })
  const counter = deps.inFlight.get(record.endpoint ?? 'unknown') ?? { now: 0, max: 0 }
  deps.inFlight.set(record.endpoint ?? 'unknown', counter)
  counter.now++
  counter.max = Math.max(counter.max, counter.now)
  res.once('close', () => counter.now--)

  if (found === undefined) {
    await drain(req)

    return sendMessage(res, 404)
  }

  const { route, params } = found
  const body = route.stream ? Buffer.alloc(0) : await readBody(req)
  const json = parseJson(body)
  if (!route.stream) {
    record.body = json ?? body
    record.bodyBytes = body.length
  }
  const ctx: RouteContext = {
    req,
    res,
    state: deps.state,
    options: deps.options,
    serverUrl: deps.serverUrl(),
    params,
    query: url.searchParams,
    body,
    json,
    record,
    dataDir: deps.options.dataDir,
    track: deps.track,
  }

  const jobId = route.jobIdParam === undefined ? undefined : Number(params[route.jobIdParam])
  const action = deps.faults.take(route.endpoint, jobId, json)
  if (action !== undefined && 'drop' in action) {
    record.dropped = true
    req.socket.destroy()

    return
  }
  if (action !== undefined && 'delayMs' in action) {
    const aborted = await sleep(action.delayMs, false, { signal: deps.closing }).catch(() => true)
    if (aborted) return void res.destroy()
  }
  if (action !== undefined && 'status' in action) return answerWithFault(ctx, route, action)

  await route.handler(ctx)
}
