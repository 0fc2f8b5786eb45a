/**
 * Moving one archive to or from its pre-signed URL, the way the official cache helpers do
 * (job-execution.md 13.3, 13.4): streamed file to socket and socket to file so memory stays
 * flat whatever the archive size; 5xx answers and network errors retried (2 retries, 1 s
 * apart, `WARNING: Retrying...`); other answers fail with `received: <status>`. URLs are
 * printed without their query, which holds the signature and credential.
 */
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat, utimes } from 'node:fs/promises'
import { STATUS_CODES } from 'node:http'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { request, type Dispatcher } from 'undici'
import { formatError } from '../../../core/errors.js'
import { helperInfo, type ReportLine } from '../../helper-log/report-line.js'
import { CacheTransferError } from './s3-errors.js'
import type { PresignedRequest } from './s3-presign.js'

export interface TransferOptions {
  /** Further attempts after a retryable failure (official: 2). */
  retries: number
  retryDelayMs: number
  /** Whole-request limit (CACHE_REQUEST_TIMEOUT). */
  timeoutMs: number
}

/** A failure worth another attempt: 5xx or the connection broke. */
class RetryableError extends Error {}

/** The server answered with a failure status; the message is the whole story. */
class StatusError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message)
  }
}

export type DownloadOutcome = 'miss' | 'up-to-date' | 'downloaded'

/**
 * Downloads the object into `destination` (temp file beside it, renamed into place, mtime
 * set to the object's Last-Modified). When the local file is at least as new as the
 * object, it is kept (`cache.zip is up to date`). 404 is a miss, not an error.
 */
export async function downloadCacheObject(options: TransferOptions & { get: PresignedRequest; destination: string }): Promise<{ outcome: DownloadOutcome; lines: ReportLine[] }> {
  const lines: ReportLine[] = []
  const outcome = await withRetries(options, lines, `downloading ${path.basename(options.destination)}`, () => downloadOnce(options, lines))

  return { outcome, lines }
}

async function downloadOnce(options: TransferOptions & { get: PresignedRequest; destination: string }, lines: ReportLine[]): Promise<DownloadOutcome> {
  const response = await send(options.get, options.timeoutMs, {})
  if (response.statusCode === 404) {
    await response.body.dump()

    return 'miss'
  }
  await failUnlessSuccess(response)

  const name = path.basename(options.destination)
  const lastModified = Date.parse(String(response.headers['last-modified'] ?? ''))
  const local = await stat(options.destination).catch(() => undefined)
  if (local?.isFile() === true && Number.isFinite(lastModified) && lastModified <= local.mtimeMs) {
    await response.body.dump()
    lines.push(helperInfo(`${name} is up to date`))

    return 'up-to-date'
  }

  lines.push(helperInfo(`Downloading ${name} from ${withoutQuery(options.get.url)}`))
  await mkdir(path.dirname(options.destination), { recursive: true })
  const temp = `${options.destination}.${process.pid}-${randomBytes(6).toString('hex')}.download`
  try {
    try {
      await pipeline(response.body, createWriteStream(temp, { flags: 'wx' }))
    } catch (error) {
      throw new RetryableError(formatError(error), { cause: error })
    }
    if (Number.isFinite(lastModified)) await utimes(temp, new Date(), new Date(lastModified))
    await rename(temp, options.destination)
  } finally {
    await rm(temp, { force: true })
  }

  return 'downloaded'
}

/** Uploads an archive file with a pre-signed PUT; each attempt reads it from the start. */
export async function uploadCacheObject(options: TransferOptions & { put: PresignedRequest; file: string; name: string }): Promise<ReportLine[]> {
  const lines: ReportLine[] = []
  const info = await stat(options.file)
  lines.push(helperInfo(`Uploading ${options.name} to ${withoutQuery(options.put.url)}`))

  await withRetries(options, lines, `uploading ${options.name}`, async () => {
    const body = createReadStream(options.file)
    const response = await send(options.put, options.timeoutMs, {
      'content-type': 'application/octet-stream',
      'content-length': String(info.size),
      'last-modified': info.mtime.toUTCString(),
    }, body)
    await failUnlessSuccess(response)
    await response.body.dump()
  })

  return lines
}

async function send(signed: PresignedRequest, timeoutMs: number, headers: Record<string, string>, body?: NodeJS.ReadableStream): Promise<Dispatcher.ResponseData> {
  try {
    return await request(signed.url, {
      method: signed.method,
      headers: { ...headers, ...signed.headers },
      body: body as Dispatcher.DispatchOptions['body'],
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    throw new RetryableError(formatError(error), { cause: error })
  }
}

/** `received: 403 Forbidden. Request failed with code: AccessDenied, message: …`; 5xx is retryable. */
async function failUnlessSuccess(response: Dispatcher.ResponseData): Promise<void> {
  const status = response.statusCode
  if (status >= 200 && status < 300) return

  const text = await readSome(response.body)
  let message = `received: ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd()
  const code = xmlText(text, 'Code')
  if (code !== undefined) message += `. Request failed with code: ${code}, message: ${xmlText(text, 'Message') ?? ''}`
  throw new StatusError(message, status >= 500)
}

async function withRetries<T>(options: TransferOptions, lines: ReportLine[], doing: string, attempt: () => Promise<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt()
    } catch (error) {
      const retryable = error instanceof RetryableError || (error instanceof StatusError && error.retryable)
      if (!retryable || retry >= options.retries) {
        // A status stands alone like the official helper's; anything else says what was being done.
        if (error instanceof StatusError) throw new CacheTransferError(error.message, lines)
        throw new CacheTransferError(doing, lines, { cause: error instanceof RetryableError ? error.cause : error })
      }
      await sleep(options.retryDelayMs)
      lines.push({ kind: 'helper', level: 'warning', message: 'Retrying...', fields: { error: (error as Error).message } })
    }
  }
}

/** At most 64 KiB of an error body: enough for S3's XML, bounded against a hostile server. */
async function readSome(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk)
      size += chunk.length
      if (size >= 65_536) break
    }
  } catch {
    // The status says enough.
  }
  body.destroy()

  return Buffer.concat(chunks).toString('utf8').slice(0, 65_536)
}

function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)
  if (match?.[1] === undefined) return undefined

  return match[1]
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
}

/** A URL without its query and fragment: what the official helper prints. */
export function withoutQuery(url: string): string {
  const parsed = new URL(url)
  parsed.search = ''
  parsed.hash = ''
  parsed.username = ''
  parsed.password = ''

  return parsed.toString()
}
