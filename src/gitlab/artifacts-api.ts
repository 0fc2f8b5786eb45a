/**
 * Artifact upload and download (spec 5), as the ArtifactsTransport the engine uses.
 * Uploads stream a multipart body from a file, rebuilt for every attempt; downloads follow
 * redirects to object storage and drop JOB-TOKEN when the host changes.
 */
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { formatError } from '../core/errors.js'
import type { ArtifactsTransport } from '../engine/types.js'
import { ApiError, gitlabMessage, STATUS_CLIENT_ERROR, STATUS_REQUEST_FAILED } from './api-error.js'
import type { ApiClient, ApiResponse } from './api-client.js'
import { backoffMs, sleep } from './retry-policy.js'

export interface ArtifactsTransportOptions {
  /** First pause between upload attempts (1 s); tests shrink it. */
  retryBackoffMinMs?: number
  /** Ask for a redirect to object storage (FF_USE_DIRECT_DOWNLOAD, default true). */
  directDownload?: boolean
  signal?: AbortSignal
}

const MAX_TRIES_OTHER = 3
const MAX_TRIES_UNAVAILABLE = 6
const MAX_REDIRECTS = 10
const BACKOFF_MAX_MS = 60_000

type UploadOptions = Parameters<ArtifactsTransport['upload']>[0]
type DownloadOptions = Parameters<ArtifactsTransport['download']>[0]

export function createArtifactsTransport(client: ApiClient, options: ArtifactsTransportOptions = {}): ArtifactsTransport {
  return {
    upload: (o) => uploadArtifact(client, o, options),
    download: (o) => downloadArtifact(client, o, options),
  }
}

/** POSTs one archive; resolves on 201, throws ApiError on 403, 413 or exhausted retries. */
export async function uploadArtifact(client: ApiClient, o: UploadOptions, options: ArtifactsTransportOptions = {}): Promise<void> {
  const fileName = basename(o.fileName) || 'default'
  const what = `uploading artifacts as ${JSON.stringify(fileName)}`
  let base: string | undefined
  let last: ApiResponse | undefined
  for (let attempt = 0; ; attempt++) {
    const boundary = randomBytes(16).toString('hex')
    const path = base ? new URL(`/api/v4/jobs/${o.jobId}/artifacts`, base).href : `jobs/${o.jobId}/artifacts`
    const res = await client.request({
      endpoint: 'upload_artifacts',
      method: 'POST',
      path,
      query: { artifact_format: o.artifactFormat, artifact_type: o.artifactType, expire_in: o.expireIn },
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: () => Readable.from(multipartBody(boundary, fileName, o.filePath)),
      jobToken: o.jobToken,
      signal: options.signal,
    })
    last = res
    if (res.status === 201) return
    if (res.status === 403) throw new ApiError(`${what}: forbidden (job token invalid or job no longer running)`, 403, res.body)
    if (res.status === 413) {
      throw new ApiError(`${what}: too large for GitLab's maximum artifacts size`, 413, res.body, { failureReason: 'script_failure', hint: 'Reduce the artifact paths or raise the size limit in GitLab.' })
    }
    if (res.status === 307) {
      const location = res.headers.location
      if (!location) throw new ApiError(`${what}: redirected without a Location`, 307, res.body)
      base = new URL(location, path.startsWith('http') ? path : client.baseUrl).origin
    }

    const maxTries = res.status === 503 ? MAX_TRIES_UNAVAILABLE : MAX_TRIES_OTHER
    if (attempt + 1 >= maxTries || options.signal?.aborted) break
    if (res.status !== 307) await sleep(backoffMs(attempt, options.retryBackoffMinMs ?? 1000, BACKOFF_MAX_MS), options.signal)
  }

  throw new ApiError(`${what}: ${describe(last)}`, last.status, last.body, { cause: last.error })
}

async function* multipartBody(boundary: string, fileName: string, filePath: string): AsyncGenerator<Buffer> {
  const quoted = fileName.replace(/["\\\r\n]/g, '_')
  yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted}"\r\nContent-Type: application/octet-stream\r\n\r\n`)
  for await (const chunk of createReadStream(filePath)) yield chunk as Buffer
  yield Buffer.from(`\r\n--${boundary}--\r\n`)
}

/** GETs a dependency's archive into `destination`; 401/403/404 are final. */
export async function downloadArtifact(client: ApiClient, o: DownloadOptions, options: ArtifactsTransportOptions = {}): Promise<void> {
  const what = `downloading artifacts of job ${o.jobId}`
  let url = `jobs/${o.jobId}/artifacts`
  let origin = client.baseUrl?.origin
  let jobToken: string | undefined = o.jobToken
  const query = { direct_download: String(options.directDownload ?? true) }
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await client.request({ endpoint: 'download_artifacts', method: 'GET', path: url, query: hop === 0 ? query : {}, jobToken, stream: true, signal: options.signal })
    if (res.status === 200 && res.stream) {
      await pipeline(res.stream, createWriteStream(o.destination))

      return
    }
    const body = res.stream ? await readSnippet(res.stream) : res.body
    if ((res.status === 301 || res.status === 302 || res.status === 303 || res.status === 307 || res.status === 308) && res.headers.location) {
      const next = new URL(res.headers.location, url.startsWith('http') ? url : client.baseUrl)
      // Pre-signed storage URLs carry their own authorisation; never hand them our token.
      if (next.origin !== origin) jobToken = undefined
      origin = next.origin
      url = next.href
      continue
    }
    if (res.status === 401) throw new ApiError(`${what}: unauthorized`, 401, body, { failureReason: 'script_failure' })
    if (res.status === 403) throw new ApiError(`${what}: forbidden: ${gitlabMessage(body)}`, 403, body, { failureReason: 'script_failure' })
    if (res.status === 404) throw new ApiError(`${what}: not found (no artifacts, or they expired)`, 404, body, { failureReason: 'script_failure' })
    throw new ApiError(`${what}: ${describe({ ...res, body })}`, res.status, body, { cause: res.error })
  }

  throw new ApiError(`${what}: more than ${MAX_REDIRECTS} redirects`, 0)
}

async function readSnippet(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    if (size < 4096) chunks.push(chunk as Buffer)
    size += (chunk as Buffer).length
  }

  return Buffer.concat(chunks)
}

function describe(res: ApiResponse): string {
  if (res.status === STATUS_REQUEST_FAILED || res.status === STATUS_CLIENT_ERROR) return `request failed: ${formatError(res.error)}`

  return `HTTP ${res.status}: ${gitlabMessage(res.body)}`
}
