/**
 * Restores one cache entry: tries each key in order and stops at the first archive that
 * extracts (C-24). A miss or a broken archive is a warning and the next key is tried;
 * nothing here fails the job. Lines follow the official restore_cache output (13.3).
 */
import { formatError, GlrunnerError } from '../../core/errors.js'
import { extractZipArchive } from '../archive/extract-zip-archive.js'
import {
  helperWarning,
  notice,
  scriptWarning,
  warningsOf,
  type ReportLine,
} from '../helper-log/report-line.js'
import type { CacheKey } from './cache-key.js'
import type { CacheStore } from './cache-store.js'
import { CacheTransferError } from './s3/s3-errors.js'

export interface RestoreCacheOptions {
  store: CacheStore
  /** Primary key first, then fallbacks (see resolveCacheKeys). */
  keys: readonly CacheKey[]
  /** Archives are extracted here. */
  projectDir: string
}

export interface RestoreCacheResult {
  /** The key whose archive was extracted; undefined when every key missed. */
  hit: CacheKey | undefined
  lines: ReportLine[]
  warnings: string[]
}

export async function restoreCache(options: RestoreCacheOptions): Promise<RestoreCacheResult> {
  const lines: ReportLine[] = []

  for (const key of options.keys) {
    lines.push(notice(`Checking cache for ${key.key}...`))
    if (await tryKey(options, key, lines)) {
      lines.push(notice('Successfully extracted cache'))

      return { hit: key, lines, warnings: warningsOf(lines) }
    }
    lines.push(scriptWarning('Failed to extract cache'))
  }

  return { hit: undefined, lines, warnings: warningsOf(lines) }
}

async function tryKey(options: RestoreCacheOptions, key: CacheKey, lines: ReportLine[]): Promise<boolean> {
  let fetched
  try {
    fetched = await options.store.fetch(key.storageKey)
  } catch (error) {
    if (!(error instanceof GlrunnerError) && !isSystemError(error)) throw error
    // What the transfer printed before failing (Downloading…, Retrying...) comes first.
    if (error instanceof CacheTransferError) lines.push(...error.lines)
    lines.push(helperWarning(formatError(error)))

    return false
  }

  lines.push(...fetched.lines)
  if (fetched.archive === undefined) {
    lines.push(helperWarning('Cache file does not exist'))

    return false
  }

  try {
    const result = await extractZipArchive({ archivePath: fetched.archive.path, destinationDir: options.projectDir })
    lines.push(...result.warnings.map(helperWarning))

    return true
  } catch (error) {
    if (!(error instanceof GlrunnerError) && !isSystemError(error)) throw error
    lines.push(helperWarning(formatError(error)))

    return false
  } finally {
    await fetched.archive.release()
  }
}

function isSystemError(error: unknown): boolean {
  return typeof (error as { code?: unknown } | null)?.code === 'string'
}
