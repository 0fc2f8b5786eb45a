import type { Stats } from 'node:fs'

export type EntryType = 'file' | 'directory' | 'symlink'

/** One file, directory or symlink chosen for an archive. */
export interface SelectedEntry {
  /** Path relative to the project dir, `/`-separated, never empty, no trailing slash. */
  path: string
  type: EntryType
  /** File type and permission bits, as in `stat.mode`. */
  mode: number
  sizeBytes: number
  mtime: Date
  /** For symlinks: the link's target exactly as stored in the link (never followed). */
  linkTarget?: string
}

/** Only regular files, directories and symlinks are archived; sockets, fifos and devices are not. */
export function entryTypeOf(stats: Stats): EntryType | undefined {
  if (stats.isSymbolicLink()) return 'symlink'
  if (stats.isDirectory()) return 'directory'
  if (stats.isFile()) return 'file'

  return undefined
}
