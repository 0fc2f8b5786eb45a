/**
 * A job-update endpoint pair (PUT jobs/:id, PATCH jobs/:id/trace) with GitLab's append
 * rule (spec 4.1): a PATCH is stored only when its start equals the stored length, else
 * 416 with `Range: 0-<length>`. Tests inject faults per request with `patchFault` and
 * `putFault`, which may answer themselves and return true.
 */
import type { ServerResponse } from 'node:http'
import { startScriptedServer, type RecordedRequest, type ScriptedServer } from './scripted-server.js'

export interface TraceSink extends ScriptedServer {
  stored: () => Buffer
  /** Content-Range starts of every PATCH, in order. */
  patches: Array<{ start: number; end: number; length: number; status: number }>
  puts: Array<Record<string, unknown>>
  patchFault?: (req: RecordedRequest, res: ServerResponse, index: number) => boolean
  putFault?: (body: Record<string, unknown>, res: ServerResponse, index: number) => boolean
  /** Headers added to every answer (e.g. Job-Status). */
  extraHeaders: Record<string, string>
}

export async function startTraceSink(): Promise<TraceSink> {
  let stored = Buffer.alloc(0)
  let patchIndex = 0
  let putIndex = 0
  const sink = {} as TraceSink
  const server = await startScriptedServer((req, res) => {
    if (req.method === 'PATCH') {
      const index = patchIndex++
      const [start = NaN, end = NaN] = String(req.headers['content-range'] ?? '').split('-').map(Number)
      const record = { start, end, length: req.body.length, status: 0 }
      sink.patches.push(record)
      if (sink.patchFault?.(req, res, index)) {
        record.status = res.statusCode

        return
      }
      const ok = start === stored.length
      if (ok) stored = Buffer.concat([stored, req.body])
      record.status = ok ? 202 : 416
      res.writeHead(record.status, { range: `0-${stored.length}`, 'job-status': 'running', ...sink.extraHeaders })
      res.end()

      return
    }
    if (req.method === 'PUT') {
      const index = putIndex++
      const body = JSON.parse(req.body.toString()) as Record<string, unknown>
      sink.puts.push(body)
      if (sink.putFault?.(body, res, index)) return
      res.writeHead(200, { 'job-status': body.state === 'running' ? 'running' : String(body.state), ...sink.extraHeaders })
      res.end('200')

      return
    }
    res.writeHead(404)
    res.end()
  })

  return Object.assign(sink, server, {
    stored: () => stored,
    patches: [],
    puts: [],
    extraHeaders: {},
    /** Discards the stored trace (what a server must do before answering 412). */
    reset: () => {
      stored = Buffer.alloc(0)
    },
  })
}

/** Makes the sink forget its trace, as a server answering 412 must. */
export function resetSink(sink: TraceSink): void {
  ;(sink as TraceSink & { reset: () => void }).reset()
}
