/**
 * Saves one cache entry under its primary key (13.4): selects the files, skips writing
 * when the stored archive already holds the same files with the same sizes and mtimes,
 * otherwise writes a new archive through the store (temp file + atomic rename for the
 * local one). Failures are warnings: a cache never fails the job.
 */
import { formatError, GlrunnerError } from '../../core/errors.js'
import type { CompressionLevelName } from '../archive/compression-level.js'
import { createZipArchive } from '../archive/create-zip-archive.js'
import { listZipEntries } from '../archive/list-zip-entries.js'
import { selectFiles } from '../file-selection/select-files.js'
import type { SelectedEntry } from '../file-selection/selected-entry.js'
import {
  helperError,
  helperInfo,
  helperWarning,
  notice,
  scriptWarning,
  warningsOf,
  type ReportLine,
} from '../helper-log/report-line.js'
import type { CacheKey } from './cache-key.js'
import type { CacheStore, StagedArchive } from './cache-store.js'
import { CacheTransferError } from './s3/s3-errors.js'

export interface SaveCacheOptions {
  store: CacheStore
  key: CacheKey
  projectDir: string
  paths: readonly string[]
  untracked?: boolean
  /** CACHE_COMPRESSION_LEVEL, already parsed. */
  compressionLevel?: number | CompressionLevelName
}

export interface SaveCacheResult {
  /** `saved`: a new archive was stored; `up-to-date`: the stored one matches; `no-files`; `failed`. */
  outcome: 'saved' | 'up-to-date' | 'no-files' | 'failed'
  lines: ReportLine[]
  warnings: string[]
}

export async function saveCache(options: SaveCacheOptions): Promise<SaveCacheResult> {
  const lines: ReportLine[] = [notice(`Creating cache ${options.key.key}...`)]
  const finish = (outcome: SaveCacheResult['outcome']): SaveCacheResult => {
    lines.push(outcome === 'failed' ? scriptWarning('Failed to create cache') : notice('Created cache'))

    return { outcome, lines, warnings: warningsOf(lines) }
  }

  let staged: StagedArchive | undefined
  try {
    const selection = await selectFiles({ projectDir: options.projectDir, paths: options.paths, untracked: options.untracked })
    lines.push(...selection.lines)
    if (selection.files.length === 0) {
      lines.push(helperWarning('No files to cache.'))

      return finish('no-files')
    }

    const current = await options.store.current(options.key.storageKey)
    if (current !== undefined && (await archiveMatches(current, selection.files))) {
      lines.push(helperInfo('Archive is up to date!'))

      return finish('up-to-date')
    }

    staged = await options.store.stage(options.key.storageKey)
    await createZipArchive({
      projectDir: options.projectDir,
      entries: selection.files,
      destination: staged.path,
      level: options.compressionLevel,
    })
    lines.push(...(await staged.commit({ cachekey: options.key.key })))

    return finish('saved')
  } catch (error) {
    if (!(error instanceof GlrunnerError) && typeof (error as { code?: unknown } | null)?.code !== 'string') throw error
    await staged?.discard()
    // What the transfer printed before failing (Uploading…, Retrying...) comes first.
    if (error instanceof CacheTransferError) lines.push(...error.lines)
    lines.push(helperError(formatError(error)))

    return finish('failed')
  }
}

/** Same paths, types, sizes and mtimes (to the second, the zip's precision). */
async function archiveMatches(archivePath: string, files: readonly SelectedEntry[]): Promise<boolean> {
  let stored
  try {
    stored = await listZipEntries(archivePath)
  } catch {
    // A broken archive is simply out of date.
    return false
  }
  if (stored.length !== files.length) return false

  const seconds = (date: Date) => Math.floor(date.getTime() / 1000)
  const byPath = new Map(stored.map((entry) => [entry.path, entry]))

  return files.every((file) => {
    const entry = byPath.get(file.path)

    return (
      entry !== undefined &&
      entry.type === file.type &&
      entry.sizeBytes === file.sizeBytes &&
      (file.type === 'directory' || seconds(entry.mtime) === seconds(file.mtime))
    )
  })
}
