/**
 * The HTTP client for GitLab's runner API (spec 0): base URL rule, headers, the transport
 * retry layer and the pseudo statuses -1 (request failed) and -100 (client unusable).
 * One client per (url, TLS settings); it remembers X-GitLab-Last-Update per runner token.
 *
 * It never throws for HTTP outcomes: callers get an ApiResponse and decide per endpoint.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { arch, platform } from 'node:os'
import type { Readable } from 'node:stream'
import type { Agent, request as undiciRequestType } from 'undici'
import { formatError } from '../core/errors.js'
import { silentLogger, type Logger } from '../core/logger.js'
import { GLRUNNER_VERSION } from '../core/version.js'
import { STATUS_CLIENT_ERROR, STATUS_REQUEST_FAILED } from './api-error.js'
import { isRetriableStatus, retryWaitMs, sleep, TRANSPORT_MAX_ATTEMPTS } from './retry-policy.js'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * What a request is for: the `endpoint` label of gitlab_runner_api_request_statuses_total.
 * request_job, update_job, patch_trace and reset_token are the official runner's names; it
 * measures only those (and router discovery, which glrunner does not call). The others are
 * ours, named the same way (verb_object), so register/verify/unregister and artifact
 * transfers show on the same counter.
 */
export const API_ENDPOINTS = [
  'request_job',
  'update_job',
  'patch_trace',
  'reset_token',
  'register_runner',
  'verify_runner',
  'unregister_runner',
  'unregister_runner_manager',
  'upload_artifacts',
  'download_artifacts',
] as const
export type ApiEndpoint = (typeof API_ENDPOINTS)[number]

/** One finished `request()` call, after its transport retries. */
export interface ApiRequestEvent {
  endpoint: ApiEndpoint
  method: HttpMethod
  /** The final HTTP status, or -1 when no usable answer came (spec 0.6). */
  status: number
  /** From the first attempt to the final answer's headers, retries included. */
  durationMs: number
  attempts: number
}

/** A request body that can be produced again for every attempt. */
export type ReplayableBody = Buffer | string | (() => Readable)

export interface ApiRequest {
  /** Reported to the client's `onRequestFinished`; required so no call goes unmeasured. */
  endpoint: ApiEndpoint
  method: HttpMethod
  /** Relative to `<base>/api/v4/`, e.g. `jobs/request`; or an absolute http(s) URL. */
  path: string
  query?: Record<string, string | undefined>
  headers?: Record<string, string>
  /** Serialised as JSON with Content-Type application/json. */
  json?: unknown
  body?: ReplayableBody
  /** A 2xx answer must be application/json and parse, else status -1. */
  expectJson?: boolean
  /** Sent as RUNNER-TOKEN; X-GitLab-Last-Update answers are remembered for it. */
  runnerToken?: string
  /** Sent as JOB-TOKEN. */
  jobToken?: string
  signal?: AbortSignal
  /** Transport retries (spec 0.5); on by default. */
  retry?: boolean
  /** Return the final body as a stream instead of reading it (downloads). */
  stream?: boolean
}

export interface ApiResponse {
  /** HTTP status, or -1 (request failed) / -100 (client unusable). */
  status: number
  /** Lower-case header names. */
  headers: Record<string, string>
  body: Buffer
  /** Parsed body when `expectJson` was set and the answer was a 2xx JSON document. */
  json?: unknown
  /** Set with `stream: true` on the final answer; the caller must consume or destroy it. */
  stream?: Readable
  /** What went wrong for -1 / -100. */
  error?: unknown
  /** The server's X-Request-Id when it sent one, else ours. */
  requestId: string
  /** How many attempts were made. */
  attempts: number
}

export interface ApiClientOptions {
  url: string
  tlsCaFile?: string
  tlsCertFile?: string
  tlsKeyFile?: string
  logger?: Logger
  /** Base of the transport backoff (default 100 ms); tests shrink it. */
  retryBackoffMinMs?: number
  /** Response-header timeout; must exceed any long-poll hold (default 10 min). */
  headersTimeoutMs?: number
  /**
   * Called once per `request()` with its endpoint and final status (the manager counts them
   * for metrics). Not called for -100: nothing was sent. Must not throw; if it does, the
   * error is logged at debug level and the request's result is unaffected.
   */
  onRequestFinished?: (event: ApiRequestEvent) => void
}

const HEADERS_TIMEOUT_MS = 10 * 60_000
const CONNECT_TIMEOUT_MS = 30_000
const KEEP_ALIVE_MS = 90_000

/** `<url>` with trailing `/` and `/ci` removed, plus `/api/v4/`; throws on a bad URL. */
export function apiBaseUrl(url: string): URL {
  let trimmed = url.trim().replace(/\/+$/, '')
  if (trimmed.endsWith('/ci')) trimmed = trimmed.slice(0, -3).replace(/\/+$/, '')
  const parsed = new URL(trimmed)
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`unsupported URL scheme ${JSON.stringify(parsed.protocol)} (only http and https)`)
  }
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/api/v4/`

  return parsed
}

/** `glrunner <version> (<branch>; node-<ver>; <os>/<arch>)` */
export function userAgent(): string {
  const branch = process.env.GLRUNNER_BRANCH ?? 'main'

  return `glrunner ${GLRUNNER_VERSION} (${branch}; node-${process.versions.node}; ${platform()}/${arch()})`
}

export class ApiClient {
  /** The `/api/v4/` base, or undefined when the URL is unusable (see `clientError`). */
  readonly baseUrl: URL | undefined
  readonly clientError: unknown
  /** Connection settings for the HTTP agent, made on the first request (see #transport). */
  private readonly connect: { timeout: number; ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined
  private transport: Promise<{ agent: Agent; request: typeof undiciRequestType }> | undefined
  private readonly lastUpdates = new Map<string, string>()
  private readonly logger: Logger
  private readonly backoffMinMs: number | undefined

  constructor(readonly options: ApiClientOptions) {
    this.logger = options.logger ?? silentLogger()
    this.backoffMinMs = options.retryBackoffMinMs
    let base: URL | undefined
    let connect: ApiClient['connect']
    let clientError: unknown
    try {
      base = apiBaseUrl(options.url)
      connect = { timeout: CONNECT_TIMEOUT_MS, ...tlsOptions(options) }
    } catch (err) {
      base = undefined
      clientError = err
    }
    this.baseUrl = base
    this.connect = connect
    this.clientError = clientError
  }

  /**
   * undici is loaded with the first request: it takes longer to load than the rest of the
   * CLI, and `--version`, `list` or `exec --list` never send one.
   */
  #transport(connect: NonNullable<ApiClient['connect']>): Promise<{ agent: Agent; request: typeof undiciRequestType }> {
    this.transport ??= import('undici').then(({ Agent: HttpAgent, request }) => ({
      agent: new HttpAgent({
        headersTimeout: this.options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
        bodyTimeout: HEADERS_TIMEOUT_MS,
        keepAliveTimeout: KEEP_ALIVE_MS,
        connect,
      }),
      request,
    }))

    return this.transport
  }

  /** The last X-GitLab-Last-Update seen for this runner token ('' before any). */
  lastUpdate(runnerToken: string): string {
    return this.lastUpdates.get(runnerToken) ?? ''
  }

  /** The one place every runner API call goes through; reports it to `onRequestFinished`. */
  async request(req: ApiRequest): Promise<ApiResponse> {
    const ourRequestId = randomUUID().replace(/-/g, '')
    if (!this.baseUrl || !this.connect) {
      return { status: STATUS_CLIENT_ERROR, headers: {}, body: Buffer.alloc(0), error: this.clientError, requestId: ourRequestId, attempts: 0 }
    }

    const started = Date.now()
    const response = await this.requestWithRetries(req, ourRequestId)
    this.report({ endpoint: req.endpoint, method: req.method, status: response.status, durationMs: Date.now() - started, attempts: response.attempts })

    return response
  }

  private report(event: ApiRequestEvent): void {
    if (!this.options.onRequestFinished || event.status === STATUS_CLIENT_ERROR) return
    try {
      this.options.onRequestFinished(event)
    } catch (err) {
      this.logger.debug('API request observer failed', { endpoint: event.endpoint, error: formatError(err) })
    }
  }

  private async requestWithRetries(req: ApiRequest, ourRequestId: string): Promise<ApiResponse> {
    const maxAttempts = req.retry === false ? 1 : TRANSPORT_MAX_ATTEMPTS
    for (let attempt = 0; ; attempt++) {
      const response = await this.attempt(req, ourRequestId, attempt + 1)
      const last = attempt + 1 >= maxAttempts || req.signal?.aborted === true
      if (!isRetriableStatus(response.status) || last) return response

      response.stream?.destroy()
      const waitMs = retryWaitMs({ attempt, headers: response.headers, backoffMinMs: this.backoffMinMs })
      this.logger.debug('retrying API request', { method: req.method, path: pathForLog(req.path), status: response.status, waitMs, attempt: attempt + 1 })
      await sleep(waitMs, req.signal)
    }
  }

  async close(): Promise<void> {
    const transport = await this.transport?.catch(() => undefined)
    await transport?.agent.close().catch(() => undefined)
  }

  private async attempt(req: ApiRequest, ourRequestId: string, attempts: number): Promise<ApiResponse> {
    const url = this.resolve(req)
    const headers: Record<string, string> = { 'user-agent': userAgent(), 'x-request-id': ourRequestId, ...req.headers }
    if (req.runnerToken !== undefined) headers['runner-token'] = req.runnerToken
    if (req.jobToken !== undefined) headers['job-token'] = req.jobToken
    if (req.expectJson) headers.accept = 'application/json'
    let body: string | Buffer | Readable | undefined
    if (req.json !== undefined) {
      body = JSON.stringify(req.json)
      headers['content-type'] = 'application/json'
    } else if (typeof req.body === 'function') {
      body = req.body()
    } else {
      body = req.body
    }

    const started = Date.now()
    try {
      const transport = await this.#transport(this.connect as NonNullable<ApiClient['connect']>)
      const res = await transport.request(url, { method: req.method, headers, body, dispatcher: transport.agent, signal: req.signal })
      const resHeaders = flattenHeaders(res.headers)
      const requestId = resHeaders['x-request-id'] || ourRequestId
      this.rememberLastUpdate(req, resHeaders)
      const result: ApiResponse = { status: res.statusCode, headers: resHeaders, body: Buffer.alloc(0), requestId, attempts }
      if (req.stream && !isRetriableStatus(res.statusCode)) {
        result.stream = res.body
      } else {
        result.body = Buffer.from(await res.body.arrayBuffer())
      }
      this.logger.debug('API request', { method: req.method, path: pathForLog(req.path), status: res.statusCode, requestId, durationMs: Date.now() - started })
      if (req.expectJson && res.statusCode >= 200 && res.statusCode < 300 && res.statusCode !== 204) decodeJson(result)

      return result
    } catch (err) {
      this.logger.debug('API request failed', { method: req.method, path: pathForLog(req.path), requestId: ourRequestId, error: formatError(err) })

      return { status: STATUS_REQUEST_FAILED, headers: {}, body: Buffer.alloc(0), error: err, requestId: ourRequestId, attempts }
    }
  }

  private resolve(req: ApiRequest): URL {
    const url = /^https?:\/\//.test(req.path) ? new URL(req.path) : new URL(req.path.replace(/^\/+/, ''), this.baseUrl)
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, value)
    }

    return url
  }

  private rememberLastUpdate(req: ApiRequest, headers: Record<string, string>): void {
    const value = headers['x-gitlab-last-update']
    if (req.runnerToken && value) this.lastUpdates.set(req.runnerToken, value)
  }
}

/** Turns a 2xx body into `json`, or the response into a -1 failure (spec 0.4). */
function decodeJson(result: ApiResponse): void {
  const type = (result.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json') {
    result.error = new Error(`expected application/json, got ${JSON.stringify(type ?? '')} (HTTP ${result.status})`)
    result.status = STATUS_REQUEST_FAILED

    return
  }
  try {
    result.json = JSON.parse(result.body.toString('utf8'))
  } catch (err) {
    result.error = new Error(`decoding JSON response (HTTP ${result.status})`, { cause: err })
    result.status = STATUS_REQUEST_FAILED
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) flat[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }

  return flat
}

function tlsOptions(options: ApiClientOptions): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {}
  if (options.tlsCaFile) tls.ca = readFileSync(options.tlsCaFile)
  if (options.tlsCertFile && options.tlsKeyFile) {
    tls.cert = readFileSync(options.tlsCertFile)
    tls.key = readFileSync(options.tlsKeyFile)
  }

  return tls
}

/** Absolute URLs (redirect targets) may carry signed query strings: log only host and path. */
function pathForLog(path: string): string {
  if (!/^https?:\/\//.test(path)) return path
  const url = new URL(path)

  return `${url.origin}${url.pathname}`
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  return new ApiClient(options)
}
