/**
 * Writes selected entries into a zip file with yazl, streaming file data straight from
 * disk to the destination so memory stays flat whatever the archive size. Modes, mtimes
 * (as the 0x5455 extended timestamp), directory entries and symlinks (as links, unix
 * mode in the external attributes) are kept.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import yazl from 'yazl'
import type { SelectedEntry } from '../file-selection/selected-entry.js'
import { ArchiveCreateError } from './archive-errors.js'
import { COMPRESSION_LEVELS, type CompressionLevelName } from './compression-level.js'

export interface CreateZipArchiveOptions {
  /** Directory the entries' paths are relative to. */
  projectDir: string
  /** Entries in the order they are written (selectFiles returns them sorted). */
  entries: readonly SelectedEntry[]
  /** File to create or replace. */
  destination: string
  /** Deflate level 0–9 or a level name; default `default` (6). */
  level?: number | CompressionLevelName
}

export interface CreateZipArchiveResult {
  entryCount: number
}

export async function createZipArchive(
  options: CreateZipArchiveOptions,
): Promise<CreateZipArchiveResult> {
  const level = resolveLevel(options.level)
  const zip = new yazl.ZipFile()
  const output = createWriteStream(options.destination)

  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false
      const fail = (error: unknown) => {
        if (settled) return
        settled = true
        // Ends the pipeline below; without this a failed entry would leave it waiting.
        output.destroy()
        reject(error)
      }
      zip.on('error', fail)
      pipeline(zip.outputStream, output).then(() => {
        if (!settled) {
          settled = true
          resolve()
        }
      }, fail)

      for (const entry of options.entries) addEntry(zip, options.projectDir, entry, level)
      zip.end()
    })
  } catch (error) {
    await rm(options.destination, { force: true })
    throw new ArchiveCreateError(options.destination, error)
  }

  return { entryCount: options.entries.length }
}

function addEntry(zip: yazl.ZipFile, projectDir: string, entry: SelectedEntry, level: number): void {
  const common = { mtime: entry.mtime, mode: entry.mode & 0xffff }

  if (entry.type === 'directory') {
    zip.addEmptyDirectory(entry.path, common)

    return
  }

  if (entry.type === 'symlink') {
    zip.addBuffer(Buffer.from(entry.linkTarget ?? ''), entry.path, { ...common, compressionLevel: 0 })

    return
  }

  const absolute = path.join(projectDir, entry.path)
  zip.addReadStreamLazy(
    entry.path,
    { ...common, size: entry.sizeBytes, compressionLevel: level },
    (callback) => {
      const stream = createReadStream(absolute)
      // yazl does not listen for read errors; an unhandled one would crash the process.
      stream.on('error', (error) => zip.emit('error', new Error(`reading ${entry.path}: ${error.message}`)))
      callback(null, stream)
    },
  )
}

export function resolveLevel(level: number | CompressionLevelName | undefined): number {
  if (level === undefined) return COMPRESSION_LEVELS.default
  if (typeof level === 'string') return COMPRESSION_LEVELS[level]
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new RangeError(`compression level ${level} is not an integer from 0 to 9`)
  }

  return level
}
