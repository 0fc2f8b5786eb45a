import yauzl from 'yauzl'
import type { EntryType } from '../file-selection/selected-entry.js'
import { ArchiveReadError } from './archive-errors.js'

export interface ZipEntryInfo {
  /** Name without the trailing `/` of directories. */
  path: string
  type: EntryType
  sizeBytes: number
  mtime: Date
}

/** Reads only the central directory: cheap enough to compare an archive with the disk. */
export async function listZipEntries(archivePath: string): Promise<ZipEntryInfo[]> {
  let zip: yauzl.ZipFile
  try {
    zip = await yauzl.openPromise(archivePath, { lazyEntries: true, autoClose: false, decodeStrings: false })
  } catch (error) {
    throw new ArchiveReadError(archivePath, error)
  }

  const entries: ZipEntryInfo[] = []
  try {
    for await (const entry of zip.eachEntry()) {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false)
      const unixMode = entry.versionMadeBy >> 8 === 3 ? entry.externalFileAttributes >>> 16 : 0
      const fileType = unixMode & 0o170000
      const type: EntryType =
        name.endsWith('/') || fileType === 0o040000 ? 'directory' : fileType === 0o120000 ? 'symlink' : 'file'
      entries.push({
        path: name.replace(/\/+$/, ''),
        type,
        sizeBytes: type === 'directory' ? 0 : entry.uncompressedSize,
        mtime: entry.getLastModDate(),
      })
    }
  } catch (error) {
    throw new ArchiveReadError(archivePath, error)
  } finally {
    zip.close()
  }

  return entries
}
