/**
 * The HTTP endpoint operators point Prometheus and liveness probes at: `/metrics` (the
 * registry in text format) and `/health`. With a token configured, both require
 * `Authorization: Bearer <token>` — the official runner has no authentication, so anyone
 * who can reach the port could read runner names and job counts.
 */
import { timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { GlrunnerError } from '../core/errors.js'

export interface MetricsServerOptions {
  /** `host:port`, `:port` (all interfaces) or `[::1]:port`; port 0 picks a free one. */
  listenAddress: string
  registry: Registry
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token?: string
  /** Liveness: what `/health` reports; default always healthy. */
  health?: () => { healthy: boolean; details?: Record<string, unknown> }
}

export interface MetricsServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string
  close(): Promise<void>
}

export class ListenAddressError extends GlrunnerError {
  constructor(address: string, reason: string, cause?: unknown) {
    super('GLR_LISTEN_ADDRESS', `listening on ${JSON.stringify(address)}: ${reason}`, {
      failureReason: 'runner_configuration_error',
      hint: 'Set listen_address (or --listen-address) to host:port, e.g. 127.0.0.1:9252.',
      ...(cause === undefined ? {} : { cause }),
    })
  }
}

/** Splits `host:port`; an empty host means every interface. */
export function parseListenAddress(address: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(address.trim())
  const port = Number(match?.[3])
  if (!match || port > 65_535) throw new ListenAddressError(address, 'expected host:port')
  const host = match[1] ?? match[2] ?? ''

  return { host: host === '' ? undefined : host, port }
}

export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port } = parseListenAddress(o.listenAddress)
  const server = createServer((req, res) => {
    handle(o, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' })
      res.end(`${(err as Error).message}\n`)
    })
  })
  await listen(server, host, port).catch((err: unknown) => {
    throw new ListenAddressError(o.listenAddress, (err as Error).message, err)
  })
  const bound = server.address() as AddressInfo
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address

  return {
    url: `http://${shownHost}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function listen(server: Server, host: string | undefined, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

async function handle(o: MetricsServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://metrics.invalid').pathname
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' })
  if (path !== '/metrics' && path !== '/health') return send(res, 404, 'not found: try /metrics or /health\n')
  if (o.token && !authorized(req.headers.authorization, o.token)) {
    return send(res, 401, 'unauthorized: send Authorization: Bearer <token>\n', { 'WWW-Authenticate': 'Bearer realm="glrunner"' })
  }
  if (path === '/health') {
    const health = o.health?.() ?? { healthy: true }

    return send(res, health.healthy ? 200 : 503, `${JSON.stringify({ status: health.healthy ? 'ok' : 'unhealthy', ...health.details })}\n`, { 'Content-Type': 'application/json' })
  }

  return send(res, 200, await o.registry.metrics(), { 'Content-Type': o.registry.contentType })
}

function authorized(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '')
  const expected = Buffer.from(token)

  return given.length === expected.length && timingSafeEqual(given, expected)
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}
