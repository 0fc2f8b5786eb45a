/**
 * `GET /api/v4/jobs/:id/artifacts` (runner-api.md 5.2) and the storage URL redirect mode
 * points to. Authentication is "via dependent job": the token must be that of a running
 * job of the same project (or of a project on the target's job-token allowlist).
 */
import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { header, sendMessage, type RouteContext } from '../http.js'
import type { ArtifactRecord } from '../types.js'
import type { Route } from './route.js'

function sendFile(ctx: RouteContext, artifact: ArtifactRecord, status = 200, range?: { start: number; end: number }): Promise<void> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${artifact.filename}"`,
    'Accept-Ranges': 'bytes',
    'Content-Length': String(range === undefined ? artifact.size : range.end - range.start + 1),
  }
  if (range !== undefined) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${artifact.size}`
  ctx.res.writeHead(status, headers)
  if (ctx.req.method === 'HEAD') {
    ctx.res.end()

    return Promise.resolve()
  }

  return pipeline(createReadStream(artifact.path, range === undefined ? {} : { start: range.start, end: range.end }), ctx.res)
}

async function downloadArtifacts(ctx: RouteContext): Promise<void> {
  const target = ctx.state.jobs.get(Number(ctx.params[0]))
  if (target === undefined) return sendMessage(ctx.res, 404)

  const requester = ctx.state.jobByToken(ctx.query.get('token') ?? header(ctx, 'job-token'))
  if (requester === undefined) return sendMessage(ctx.res, 401)
  const project = ctx.state.projects.get(target.projectId)
  const allowed = requester.projectId === target.projectId || (project?.jobTokenAllowlist.includes(requester.projectId) ?? false)
  if (!requester.processing || !allowed) return sendMessage(ctx.res, 403)

  const archive = target.artifacts.find((artifact) => artifact.artifactType === 'archive')
  if (archive === undefined) return sendMessage(ctx.res, 404)

  if (ctx.options.artifactsRedirect && ctx.query.get('direct_download') === 'true') {
    const location = new URL(`/_storage/artifacts/${archive.storageKey}/${encodeURIComponent(archive.filename)}`, ctx.serverUrl)
    ctx.res.writeHead(302, { Location: location.toString(), 'Content-Length': '0' })
    ctx.res.end()

    return
  }
  await sendFile(ctx, archive)
}

/** Parses `bytes=a-b` / `bytes=a-` / `bytes=-n`; undefined when absent or unsatisfiable. */
function parseRange(value: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (value === undefined) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(value.trim())
  if (match === null) return undefined
  const [, from = '', to = ''] = match
  let start = from === '' ? size - Number(to) : Number(from)
  let end = from === '' || to === '' ? size - 1 : Number(to)
  start = Math.max(0, start)
  end = Math.min(end, size - 1)

  return start > end || start >= size ? 'invalid' : { start, end }
}

/** The "object storage" a redirect points at: no JOB-TOKEN needed, the key is the secret. */
async function storage(ctx: RouteContext): Promise<void> {
  const key = ctx.params[0]
  let found: ArtifactRecord | undefined
  for (const job of ctx.state.jobs.values()) {
    found = job.artifacts.find((artifact) => artifact.storageKey === key) ?? found
  }
  if (found === undefined) return sendMessage(ctx.res, 404)

  const range = parseRange(header(ctx, 'range'), found.size)
  if (range === 'invalid') {
    ctx.res.writeHead(416, { 'Content-Range': `bytes */${found.size}`, 'Content-Length': '0' })
    ctx.res.end()

    return
  }
  await sendFile(ctx, found, range === undefined ? 200 : 206, range)
}

export const artifactDownloadRoutes: Route[] = [
  { method: 'GET', pattern: /^\/api\/v4\/jobs\/(\d+)\/artifacts$/, endpoint: 'artifacts_download', jobIdParam: 0, handler: downloadArtifacts },
  { method: ['GET', 'HEAD'], pattern: /^\/_storage\/artifacts\/([0-9a-f]+)\/[^/]+$/, endpoint: 'artifacts_storage', handler: storage },
]
