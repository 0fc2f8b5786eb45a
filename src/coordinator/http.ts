/**
 * Small HTTP helpers shared by the routes: reading bodies, answering in GitLab's styles
 * (JSON messages, plain-text status bodies), and the context a route handler receives.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { STATUS_CODES } from 'node:http'
import type { JobRecord } from './job-record.js'
import type { CoordinatorState } from './state.js'
import type { CoordinatorOptions, RecordedRequest } from './types.js'

export interface ResolvedOptions extends Required<Omit<CoordinatorOptions, 'maxArtifactBytes' | 'traceSizeLimitBytes' | 'dataDir' | 'publicUrl'>> {
  dataDir: string
  publicUrl: string | undefined
  maxArtifactBytes: number | undefined
  traceSizeLimitBytes: number | undefined
}

export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  state: CoordinatorState
  options: ResolvedOptions
  /** Base URL clients reach the coordinator at. */
  serverUrl: URL
  /** Regex groups of the matched route. */
  params: string[]
  query: URLSearchParams
  /** The buffered request body; empty for streamed routes. */
  body: Buffer
  /** The body parsed as JSON; undefined when absent or not JSON. */
  json: unknown
  record: RecordedRequest
  /** Directory for files the coordinator stores (artifacts). */
  dataDir: string
  /** Child processes to kill on close. */
  track: (kill: () => void) => () => void
}

export function setCommonHeaders(res: ServerResponse, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(value))
  setCommonHeaders(res, headers)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) })
  res.end(body)
}

/** Reason phrases as GitLab's messages spell them where Node's table differs. */
const GITLAB_REASONS: Record<number, string> = { 413: 'Request Entity Too Large', 422: 'Unprocessable Entity' }

/** GitLab's error body: `{"message":"403 Forbidden"}`, or a custom message after the code. */
export function sendMessage(res: ServerResponse, status: number, detail?: string, headers: Record<string, string> = {}): void {
  const text = `${status} ${GITLAB_REASONS[status] ?? STATUS_CODES[status] ?? ''}`.trim()
  sendJson(res, status, { message: detail === undefined ? text : `${text} - ${detail}` }, headers)
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(text)
  setCommonHeaders(res, headers)
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': String(body.length) })
  res.end(body)
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  setCommonHeaders(res, headers)
  res.writeHead(status)
  res.end()
}

/** Reads the whole body; rejects with `tooLarge` once it passes `limitBytes`. */
export async function readBody(req: IncomingMessage, limitBytes = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buf = chunk as Buffer
    size += buf.length
    if (size > limitBytes) throw Object.assign(new Error(`body over ${limitBytes} bytes`), { tooLarge: true })
    chunks.push(buf)
  }

  return Buffer.concat(chunks, size)
}

/** Reads and throws away the rest of a body, so an early answer still reaches the client. */
export async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return
  for await (const _chunk of req) {
    // discard
  }
}

/** JSON values a request body can be: an object, an array, a string or `null`. */
const JSON_START = new Set([0x7b, 0x5b, 0x22, 0x6e])

export function parseJson(body: Buffer): unknown {
  // Trace chunks are raw log bytes, often a MiB: skip the decoding when it cannot be JSON.
  const first = body.find((byte) => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09)
  if (first === undefined || !JSON_START.has(first)) return undefined
  try {
    return JSON.parse(body.toString('utf8')) as unknown
  } catch {
    return undefined
  }
}

export function field(json: unknown, name: string): unknown {
  return typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[name] : undefined
}

export function header(ctx: RouteContext, name: string): string | undefined {
  const value = ctx.req.headers[name.toLowerCase()]

  return Array.isArray(value) ? value[0] : value
}

/** Job token from the `token` param (body or query; the param wins) or the JOB-TOKEN header. */
export function jobTokenOf(ctx: RouteContext, extraParam?: string): string | undefined {
  const fromBody = field(ctx.json, 'token')
  if (typeof fromBody === 'string' && fromBody !== '') return fromBody
  const fromQuery = ctx.query.get('token')
  if (fromQuery !== null && fromQuery !== '') return fromQuery
  if (extraParam !== undefined && extraParam !== '') return extraParam

  return header(ctx, 'job-token')
}

export type JobAuth = { ok: true; job: JobRecord } | { ok: false; status: 403 | 404 }

/** Finds the job in the path and checks the token belongs to it. */
export function authenticateJob(ctx: RouteContext, token: string | undefined): JobAuth {
  const id = Number(ctx.params[0])
  const job = ctx.state.jobs.get(id)
  if (job === undefined) return { ok: false, status: 404 }
  if (token === undefined || token !== job.token || job.tokenRevoked) return { ok: false, status: 403 }

  return { ok: true, job }
}

export function jobStatusHeaders(ctx: RouteContext, job: JobRecord): Record<string, string> {
  return {
    'Job-Status': job.state,
    'X-GitLab-Trace-Update-Interval': String(ctx.options.traceUpdateIntervalSeconds),
  }
}
