/**
 * A tiny HTTP server on 127.0.0.1:0 for client tests: every request is recorded (method,
 * path, headers, body) and answered by a handler the test writes. Cheaper than the full
 * coordinator when a test needs exact control over one status or header.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  /** Path with query string, e.g. `/api/v4/jobs/1/trace?debug_trace=false`. */
  url: string
  headers: IncomingMessage['headers']
  body: Buffer
  at: number
}

export type ScriptedHandler = (req: RecordedRequest, res: ServerResponse, index: number) => void | Promise<void>

export interface ScriptedServer {
  url: string
  requests: RecordedRequest[]
  close(): Promise<void>
}

export async function startScriptedServer(handler: ScriptedHandler): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() }
      requests.push(recorded)
      Promise.resolve(handler(recorded, res, requests.length - 1)).catch((err: unknown) => {
        res.statusCode = 599
        res.end(String(err))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}
