/**
 * Read-only git over smart HTTP for registered projects, served by the real
 * `git http-backend` as a CGI. Clients authenticate like CI jobs do on GitLab: HTTP Basic
 * `gitlab-ci-token:<job token>` of a running job.
 */
import { spawn } from 'node:child_process'
import { basename, dirname } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { header, sendMessage, type RouteContext } from '../http.js'
import type { ProjectRecord } from '../types.js'
import type { Route } from './route.js'

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="GitLab"' }

function basicCredentials(ctx: RouteContext): { user: string; password: string } | undefined {
  const value = header(ctx, 'authorization')
  const match = /^Basic\s+(\S+)$/i.exec(value ?? '')
  if (match?.[1] === undefined) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined

  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

/** The project, when the request carries the token of a running job allowed to read it. */
function authorise(ctx: RouteContext, path: string): ProjectRecord | 'unauthorised' | 'not_found' {
  const credentials = basicCredentials(ctx)
  const job = credentials?.user === 'gitlab-ci-token' ? ctx.state.jobByToken(credentials.password) : undefined
  if (job === undefined || job.state !== 'running') return 'unauthorised'
  const project = ctx.state.projectByIdOrPath(path)
  if (project === undefined) return 'not_found'
  if (project.id !== job.projectId && !project.jobTokenAllowlist.includes(job.projectId)) return 'not_found'

  return project
}

/** Splits CGI output into status, headers and the rest of the body. */
function parseCgiHead(head: string): { status: number; headers: Record<string, string> } {
  const headers: Record<string, string> = {}
  let status = 200
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500
    else headers[name] = value
  }

  return { status, headers }
}

async function runBackend(ctx: RouteContext, project: ProjectRecord, rest: string): Promise<void> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    GIT_PROJECT_ROOT: dirname(project.gitDir),
    PATH_INFO: `/${basename(project.gitDir)}/${rest}`,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: ctx.req.method ?? 'GET',
    QUERY_STRING: ctx.query.toString(),
    CONTENT_TYPE: header(ctx, 'content-type') ?? '',
    REMOTE_USER: 'gitlab-ci-token',
    REMOTE_ADDR: ctx.req.socket.remoteAddress ?? '127.0.0.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    // Belt and braces: this server is read-only even if a route lets a push through.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'false',
  }
  const optional: Array<[string, string | undefined]> = [
    ['CONTENT_LENGTH', header(ctx, 'content-length')],
    ['GIT_PROTOCOL', header(ctx, 'git-protocol')],
    ['HTTP_CONTENT_ENCODING', header(ctx, 'content-encoding')],
  ]
  for (const [name, value] of optional) if (value !== undefined) env[name] = value

  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'ignore'] })
  const untrack = ctx.track(() => child.kill('SIGKILL'))
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => resolve())
    child.once('error', () => resolve())
  })
  const input = pipeline(ctx.req, child.stdin).catch(() => undefined)

  try {
    const head = await readCgiHead(child.stdout)
    if (head === undefined) return sendMessage(ctx.res, 500, 'git http-backend gave no answer')
    const { status, headers } = parseCgiHead(head.head)
    ctx.res.writeHead(status, headers)
    ctx.res.write(head.rest)
    // A client that goes away mid-pack just ends the backend.
    await pipeline(child.stdout, ctx.res).catch(() => child.kill('SIGKILL'))
  } finally {
    await Promise.all([input, exited])
    untrack()
  }
}

/** Reads CGI output up to the blank line after the headers; leaves the stream paused after it. */
function readCgiHead(stdout: Readable): Promise<{ head: string; rest: Buffer } | undefined> {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0)
    const cleanup = (): void => {
      stdout.off('data', onData)
      stdout.off('end', onEnd)
      stdout.off('error', onEnd)
    }
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk])
      const end = /\r?\n\r?\n/.exec(buffered.toString('latin1'))
      if (end === null) return
      cleanup()
      stdout.pause()
      resolve({ head: buffered.subarray(0, end.index).toString('latin1'), rest: buffered.subarray(end.index + end[0].length) })
    }
    const onEnd = (): void => {
      cleanup()
      resolve(undefined)
    }
    stdout.on('data', onData)
    stdout.once('end', onEnd)
    stdout.once('error', onEnd)
  })
}

async function serveGit(ctx: RouteContext): Promise<void> {
  const [path = '', rest = ''] = ctx.params
  const wantsPush = rest === 'git-receive-pack' || ctx.query.get('service') === 'git-receive-pack'
  const isSmartRead = (rest === 'info/refs' && ctx.req.method === 'GET') || (rest === 'git-upload-pack' && ctx.req.method === 'POST')

  const project = authorise(ctx, path)
  if (project === 'unauthorised') return sendMessage(ctx.res, 401, undefined, CHALLENGE)
  if (project === 'not_found') return sendMessage(ctx.res, 404)
  if (wantsPush) return sendMessage(ctx.res, 403, 'this server is read-only')
  if (!isSmartRead) return sendMessage(ctx.res, 404)

  await runBackend(ctx, project, rest)
}

export const gitRoutes: Route[] = [
  {
    method: ['GET', 'POST'],
    pattern: /^\/(.+?)\.git\/(info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.+)$/,
    endpoint: 'git',
    stream: true,
    handler: serveGit,
  },
]
