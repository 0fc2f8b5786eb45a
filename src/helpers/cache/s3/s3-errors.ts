import { GlrunnerError } from '../../../core/errors.js'
import type { ReportLine } from '../../helper-log/report-line.js'

/**
 * A transfer to or from the cache server failed. `lines` holds what the transfer printed
 * before failing (`Uploading cache.zip to …`, `Retrying...`) so the caller can show them
 * ahead of the error, as the official helper prints them ahead of its fatal line. The
 * message never holds a pre-signed URL's query (signature, credential, token).
 */
export class CacheTransferError extends GlrunnerError {
  constructor(
    message: string,
    readonly lines: readonly ReportLine[],
    options: { cause?: unknown } = {},
  ) {
    super('GLR_CACHE_TRANSFER', message, { ...options, failureReason: 'runner_system_failure' })
  }
}

/** The distributed cache is configured in a way this runner cannot use (iam, gcs, …). */
export class CacheConfigUnsupportedError extends GlrunnerError {
  constructor(message: string, hint: string) {
    super('GLR_CACHE_UNSUPPORTED', message, { failureReason: 'runner_configuration_error', hint })
  }
}
