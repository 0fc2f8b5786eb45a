/**
 * Extracts a zip into a directory with yauzl, treating the archive as hostile (C-14):
 * entries with absolute names, `..` escapes, symlinks pointing outside the destination,
 * and entries that would be written through a symlink (planted by the archive or already
 * there) are skipped with a warning. Nothing is ever written outside `destinationDir`.
 * Files are overwritten by unlinking first, so an existing link or hard link is never
 * written through. A malformed archive is an ArchiveReadError, never a crash.
 */
import { constants } from 'node:fs'
import { chmod, lstat, lutimes, mkdir, open, realpath, rm, symlink, unlink, utimes } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'
import { GlrunnerError } from '../../core/errors.js'
import { isCode } from '../file-selection/select-files.js'
import { ArchiveExtractError, ArchiveReadError } from './archive-errors.js'
import { ancestorsOf, checkEntryName, symlinkStaysInside } from './entry-path.js'

export interface ExtractZipArchiveOptions {
  archivePath: string
  /** Created when missing. */
  destinationDir: string
}

export interface SkippedEntry {
  name: string
  reason: string
}

export interface ExtractZipArchiveResult {
  /** Files, directories and symlinks written. */
  extractedCount: number
  skipped: SkippedEntry[]
  /** One line per skipped entry: `skipping "<name>": <reason>`. */
  warnings: string[]
}

const MAX_LINK_TARGET_BYTES = 4096
const S_IFMT = 0o170000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000

class Refusal extends Error {}

interface Extraction {
  archivePath: string
  /** Destination as given and as resolved: symlink targets may name either. */
  roots: string[]
  root: string
  /** Paths of refused entries: nothing may be written below them. */
  refused: Set<string>
  /** Paths known to be real directories inside the root. */
  directories: Set<string>
  /** Directory modes and mtimes, applied last (writing children changes mtimes). */
  directoryAttributes: { absolute: string; mode: number; mtime: Date }[]
  result: ExtractZipArchiveResult
}

export async function extractZipArchive(
  options: ExtractZipArchiveOptions,
): Promise<ExtractZipArchiveResult> {
  await mkdir(options.destinationDir, { recursive: true })
  const root = await realpath(options.destinationDir)
  const state: Extraction = {
    archivePath: options.archivePath,
    roots: [root, path.resolve(options.destinationDir)],
    root,
    refused: new Set(),
    directories: new Set(['']),
    directoryAttributes: [],
    result: { extractedCount: 0, skipped: [], warnings: [] },
  }

  let zip: yauzl.ZipFile
  try {
    zip = await yauzl.openPromise(options.archivePath, {
      lazyEntries: true,
      autoClose: false,
      // Names are checked here, entry by entry: yauzl's own check would abort the
      // whole archive on the first bad name instead of skipping it.
      decodeStrings: false,
      validateEntrySizes: true,
      strictFileNames: false,
    })
  } catch (error) {
    throw new ArchiveReadError(options.archivePath, error)
  }

  try {
    for await (const entry of zip.eachEntry()) await extractEntry(state, zip, entry)
  } catch (error) {
    if (error instanceof GlrunnerError) throw error
    throw new ArchiveReadError(options.archivePath, error)
  } finally {
    zip.close()
  }

  for (const attributes of state.directoryAttributes.reverse()) {
    await chmod(attributes.absolute, attributes.mode)
    await utimes(attributes.absolute, attributes.mtime, attributes.mtime)
  }

  return state.result
}

async function extractEntry(state: Extraction, zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<void> {
  const name = yauzl.getFileNameLowLevel(
    entry.generalPurposeBitFlag,
    entry.fileNameRaw,
    entry.extraFields,
    false,
  )
  const checked = checkEntryName(name)
  if (checked.ok === 'ignore') return
  if (!checked.ok) {
    skip(state, name, checked.reason, undefined)

    return
  }

  const relativePath = checked.relativePath
  try {
    await writeEntry(state, zip, entry, name, relativePath)
    state.result.extractedCount++
  } catch (error) {
    if (error instanceof Refusal) {
      skip(state, name, error.message, relativePath)

      return
    }
    if (isFilesystemError(error)) throw new ArchiveExtractError(state.archivePath, name, error)
    throw error
  }
}

async function writeEntry(
  state: Extraction,
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  name: string,
  relativePath: string,
): Promise<void> {
  const refusedParent = ancestorsOf(relativePath).find((ancestor) => state.refused.has(ancestor))
  if (refusedParent !== undefined) throw new Refusal(`parent entry "${refusedParent}" was skipped`)

  const unixMode = entry.versionMadeBy >> 8 === 3 ? entry.externalFileAttributes >>> 16 : 0
  const fileType = unixMode & S_IFMT
  const isDirectory = name.endsWith('/') || fileType === S_IFDIR
  const permissions = unixMode & 0o777
  const mtime = entry.getLastModDate()
  const absolute = path.join(state.root, relativePath)

  await prepareParents(state, relativePath)
  if (isDirectory) {
    await makeDirectory(state, relativePath)
    state.directoryAttributes.push({ absolute, mode: permissions || 0o755, mtime })

    return
  }

  if (!entry.canDecodeFileData()) throw new Refusal('encrypted or unsupported compression method')

  if (fileType === S_IFLNK) {
    const target = await readLinkTarget(zip, entry)
    if (!state.roots.some((root) => symlinkStaysInside(root, relativePath, target))) {
      throw new Refusal(`symlink target "${target}" points outside the destination directory`)
    }
    await clearPath(absolute)
    await symlink(target, absolute)
    await lutimes(absolute, mtime, mtime)

    return
  }

  await clearPath(absolute)
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW
  // O_EXCL | O_NOFOLLOW: if anything reappeared at the path, fail instead of following it.
  const handle = await open(absolute, flags, 0o600)
  try {
    // The read stream starts inflating as soon as it exists, and a corrupt entry fails
    // on its own: it must be piped in the same tick it is opened, or its error has no
    // listener and takes the whole process down.
    const stream = await zip.openReadStreamPromise(entry)
    await pipeline(stream, handle.createWriteStream())
  } catch (error) {
    await handle.close().catch(() => undefined)
    await rm(absolute, { force: true })
    if (isFilesystemError(error)) throw error
    throw new ArchiveReadError(state.archivePath, new Error(`entry ${name}: ${errorMessage(error)}`))
  }
  await chmod(absolute, permissions || 0o644)
  await utimes(absolute, mtime, mtime)
}

/** Makes sure every directory above the entry is a real directory, creating missing ones. */
async function prepareParents(state: Extraction, relativePath: string): Promise<void> {
  for (const ancestor of ancestorsOf(relativePath)) {
    if (state.directories.has(ancestor)) continue
    await makeDirectory(state, ancestor)
  }
}

async function makeDirectory(state: Extraction, relativePath: string): Promise<void> {
  if (state.directories.has(relativePath)) return

  const absolute = path.join(state.root, relativePath)
  const stats = await lstatOrUndefined(absolute)
  if (stats === undefined) {
    await mkdir(absolute, { mode: 0o755 })
  } else if (stats.isSymbolicLink()) {
    throw new Refusal(`would write through symlink "${relativePath}"`)
  } else if (!stats.isDirectory()) {
    throw new Refusal(`"${relativePath}" exists and is not a directory`)
  }
  state.directories.add(relativePath)
}

/** Removes what is at the path so the new entry gets a fresh inode; a directory stays. */
async function clearPath(absolute: string): Promise<void> {
  const stats = await lstatOrUndefined(absolute)
  if (stats === undefined) return
  if (stats.isDirectory()) throw new Refusal('a directory exists at this path')
  await unlink(absolute)
}

async function readLinkTarget(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string> {
  if (entry.uncompressedSize > MAX_LINK_TARGET_BYTES) {
    throw new Refusal(`symlink target is longer than ${MAX_LINK_TARGET_BYTES} bytes`)
  }
  const stream: Readable = await zip.openReadStreamPromise(entry)
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)

  return Buffer.concat(chunks).toString('utf8')
}

function skip(state: Extraction, name: string, reason: string, relativePath: string | undefined) {
  if (relativePath !== undefined) state.refused.add(relativePath)
  state.result.skipped.push({ name, reason })
  state.result.warnings.push(`skipping "${name}": ${reason}`)
}

async function lstatOrUndefined(absolute: string) {
  try {
    return await lstat(absolute)
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined
    throw error
  }
}

/** Errors from our side of the disk, as opposed to a broken archive. */
function isFilesystemError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code

  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && (error as { syscall?: unknown }).syscall !== undefined
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
