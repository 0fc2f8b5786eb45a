/**
 * A GitLab API call that did not give the answer the caller needed. Keeps the HTTP status
 * (or the pseudo status -1 / -100 of spec 0.6) and a short body snippet for the log.
 */
import { GlrunnerError, type GlrunnerErrorOptions } from '../core/errors.js'

/** The request was attempted but failed (network, TLS, timeout, undecodable body). */
export const STATUS_REQUEST_FAILED = -1
/** The API client could not be built (bad URL or scheme). */
export const STATUS_CLIENT_ERROR = -100

const SNIPPET_LIMIT_BYTES = 512

export class ApiError extends GlrunnerError {
  readonly bodySnippet: string

  constructor(
    message: string,
    readonly status: number,
    body: Buffer | string = '',
    options: GlrunnerErrorOptions = {},
  ) {
    super('GLR_API', message, options)
    this.bodySnippet = bodySnippet(body)
  }
}

/** At most 512 bytes of a response body, for logs and error messages. */
export function bodySnippet(body: Buffer | string): string {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body

  return bytes.subarray(0, SNIPPET_LIMIT_BYTES).toString('utf8').trim()
}

/** The `message` of a GitLab error body (`{"message": ...}`), else the snippet itself. */
export function gitlabMessage(body: Buffer | string): string {
  const snippet = bodySnippet(body)
  try {
    const parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as { message?: unknown; error?: unknown }
    const message = parsed.message ?? parsed.error
    if (message !== undefined) return typeof message === 'string' ? message : JSON.stringify(message).slice(0, SNIPPET_LIMIT_BYTES)
  } catch {
    // Not JSON: the raw snippet is the best we have.
  }

  return snippet
}
