/**
 * The `gzip` artifact format (reports): one gzip member per regular file, concatenated,
 * each carrying the file's name and mtime in its header so GitLab can tell them apart.
 * zlib's gzip stream cannot set the name, so the header and trailer are written here
 * around a raw deflate stream.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import zlib from 'node:zlib'
import type { SelectedEntry } from '../file-selection/selected-entry.js'
import { ArchiveCreateError } from './archive-errors.js'
import { resolveLevel } from './create-zip-archive.js'
import type { CompressionLevelName } from './compression-level.js'

export interface CreateGzipArtifactOptions {
  projectDir: string
  entries: readonly SelectedEntry[]
  destination: string
  level?: number | CompressionLevelName
}

export async function createGzipArtifact(
  options: CreateGzipArtifactOptions,
): Promise<{ fileCount: number }> {
  const level = resolveLevel(options.level)
  const files = options.entries.filter((entry) => entry.type === 'file')
  const output = createWriteStream(options.destination)
  // The output is written across many awaits (opening, reading each file) while nothing
  // else listens to it: an error then (cannot open, disk full) would be uncaught and end
  // the process. Kept here, it is thrown by the step that notices the stream is broken.
  let outputError: unknown
  output.on('error', (error) => (outputError ??= error))

  try {
    for (const entry of files) await writeMember(output, options.projectDir, entry, level)
    await new Promise<void>((resolve, reject) => {
      output.end((error?: Error | null) => (error ? reject(error) : resolve()))
    })
    if (outputError !== undefined) throw outputError
  } catch (error) {
    output.destroy()
    await rm(options.destination, { force: true })
    throw new ArchiveCreateError(options.destination, outputError ?? error)
  }

  return { fileCount: files.length }
}

async function writeMember(
  output: WriteStream,
  projectDir: string,
  entry: SelectedEntry,
  level: number,
): Promise<void> {
  let crc = 0
  let sizeBytes = 0
  const checksum = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      crc = zlib.crc32(chunk, crc)
      sizeBytes += chunk.length
      callback(null, chunk)
    },
  })

  await write(output, memberHeader(entry))
  await pipeline(
    createReadStream(path.join(projectDir, entry.path)),
    checksum,
    zlib.createDeflateRaw({ level }),
    output,
    { end: false },
  )

  const trailer = Buffer.alloc(8)
  trailer.writeUInt32LE(crc >>> 0, 0)
  trailer.writeUInt32LE(sizeBytes % 2 ** 32, 4)
  await write(output, trailer)
}

/** RFC 1952 header with FNAME set; the name is the base name, as gzip(1) stores it. */
function memberHeader(entry: SelectedEntry): Buffer {
  const fixed = Buffer.alloc(10)
  fixed[0] = 0x1f
  fixed[1] = 0x8b
  fixed[2] = 8 // deflate
  fixed[3] = 0x08 // FNAME
  fixed.writeUInt32LE(Math.max(0, Math.floor(entry.mtime.getTime() / 1000)) % 2 ** 32, 4)
  fixed[8] = 0
  fixed[9] = 3 // unix
  const name = Buffer.from(path.posix.basename(entry.path).replace(/\0/g, ''), 'latin1')

  return Buffer.concat([fixed, name, Buffer.from([0])])
}

function write(output: WriteStream, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    output.write(chunk, (error) => (error ? reject(error) : resolve()))
  })
}
