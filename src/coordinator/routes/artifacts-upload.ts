/**
 * `POST /api/v4/jobs/:id/artifacts` (runner-api.md 5.1): one multipart `file` part,
 * streamed to disk; type, format and expiry from the query or multipart fields.
 * Like Workhorse, a token given in the query or header is checked before the body is
 * stored, and a body over the size limit is refused with 413.
 */
import busboy from 'busboy'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Transform } from 'node:stream'
import { authenticateJob, drain, header, sendMessage, sendText, type RouteContext } from '../http.js'
import type { Route } from './route.js'

export const ARTIFACT_TYPES = [
  'archive', 'metadata', 'trace', 'junit', 'sast', 'dependency_scanning', 'container_scanning',
  'dast', 'codequality', 'license_scanning', 'performance', 'metrics', 'metrics_referee',
  'network_referee', 'lsif', 'dotenv', 'cobertura', 'terraform', 'accessibility',
  'cluster_applications', 'secret_detection', 'requirements', 'coverage_fuzzing',
  'browser_performance', 'load_performance', 'api_fuzzing', 'cluster_image_scanning', 'cyclonedx',
  'requirements_v2', 'annotations', 'repository_xray', 'jacoco',
]
export const ARTIFACT_FORMATS = ['raw', 'zip', 'gzip']

interface ParsedUpload {
  fields: Record<string, string>
  file: { tempPath: string; filename: string; size: number } | undefined
  tooLarge: boolean
}

/** Streams the multipart body; the `file` part goes to a temp file, counting its bytes. */
async function parseMultipart(ctx: RouteContext, uploadDir: string): Promise<ParsedUpload> {
  const result: ParsedUpload = { fields: {}, file: undefined, tooLarge: false }
  const max = ctx.options.maxArtifactBytes ?? Number.POSITIVE_INFINITY
  const writes: Array<Promise<void>> = []
  const parser = busboy({ headers: ctx.req.headers, defParamCharset: 'utf8' })

  parser.on('field', (name, value) => {
    result.fields[name] = value
  })
  parser.on('file', (name, stream, info) => {
    if (name !== 'file' || result.file !== undefined) {
      stream.resume()

      return
    }
    const file = { tempPath: join(uploadDir, randomBytes(8).toString('hex')), filename: basename(info.filename || 'artifacts'), size: 0 }
    result.file = file
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        file.size += chunk.length
        if (file.size > max) result.tooLarge = true
        // Past the limit the bytes are read and dropped, so the client still gets its 413.
        callback(null, result.tooLarge ? undefined : chunk)
      },
    })
    writes.push(pipeline(stream, counter, createWriteStream(file.tempPath)))
  })

  try {
    await pipeline(ctx.req, parser)
    await Promise.all(writes)
  } catch (err) {
    await Promise.allSettled(writes)
    if (result.file !== undefined) await rm(result.file.tempPath, { force: true })
    throw err
  }

  return result
}

async function uploadArtifacts(ctx: RouteContext): Promise<void> {
  const job = ctx.state.jobs.get(Number(ctx.params[0]))
  const early = ctx.query.get('token') ?? header(ctx, 'job-token')
  const declared = Number(header(ctx, 'content-length') ?? Number.NaN)
  const max = ctx.options.maxArtifactBytes
  const refuse = async (status: number, detail?: string, headers?: Record<string, string>): Promise<void> => {
    await drain(ctx.req)
    sendMessage(ctx.res, status, detail, headers)
  }

  if (job === undefined) return refuse(404)
  if (early !== undefined && authenticateJob(ctx, early).ok === false) return refuse(403)
  if (!job.processing) return refuse(403, 'Job is not processing on runner', { 'Job-Status': job.state })
  if (max !== undefined && declared > max) return refuse(413)
  if (!/^multipart\/form-data/i.test(header(ctx, 'content-type') ?? '')) return refuse(400, 'multipart/form-data expected')

  const uploadDir = join(ctx.dataDir, 'uploads')
  await mkdir(uploadDir, { recursive: true })
  let upload: ParsedUpload
  try {
    upload = await parseMultipart(ctx, uploadDir)
  } catch (err) {
    return refuse(400, `malformed multipart body: ${(err as Error).message}`)
  }
  ctx.record.bodyBytes = upload.file?.size ?? 0
  const discard = async (): Promise<void> => {
    if (upload.file !== undefined) await rm(upload.file.tempPath, { force: true })
  }

  const param = (name: string): string | undefined => ctx.query.get(name) ?? upload.fields[name]
  const checks: Array<[boolean, number, string | undefined]> = [
    [!authenticateJob(ctx, param('token') ?? header(ctx, 'job-token')).ok, 403, undefined],
    [upload.tooLarge, 413, undefined],
    [upload.file === undefined, 400, 'Missing artifacts file'],
    [!ARTIFACT_TYPES.includes(param('artifact_type') ?? 'archive'), 400, 'artifact_type does not have a valid value'],
    [!ARTIFACT_FORMATS.includes(param('artifact_format') ?? 'zip'), 400, 'artifact_format does not have a valid value'],
    [job.artifacts.some((a) => a.artifactType === (param('artifact_type') ?? 'archive')), 400, 'another artifact of the same type already exists'],
  ]
  const failed = checks.find(([bad]) => bad)
  if (failed !== undefined || upload.file === undefined) {
    await discard()

    return sendMessage(ctx.res, failed?.[1] ?? 400, failed?.[2])
  }

  const artifactType = param('artifact_type') ?? 'archive'
  const jobDir = join(ctx.dataDir, 'artifacts', String(job.id))
  await mkdir(jobDir, { recursive: true })
  const path = join(jobDir, `${artifactType}-${upload.file.filename}`)
  await rename(upload.file.tempPath, path)
  job.artifacts.push({
    artifactType,
    artifactFormat: param('artifact_format') ?? 'zip',
    expireIn: param('expire_in'),
    filename: upload.file.filename,
    path,
    size: upload.file.size,
    storageKey: randomBytes(16).toString('hex'),
  })
  sendText(ctx.res, 201, '201')
}

export const artifactUploadRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/api\/v4\/jobs\/(\d+)\/artifacts$/,
    endpoint: 'artifacts_upload',
    jobIdParam: 0,
    stream: true,
    handler: uploadArtifacts,
  },
]
