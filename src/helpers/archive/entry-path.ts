/**
 * Decides where a zip entry may be written. Entry names come from untrusted archives
 * (zip slip, C-14): absolute names, `..` escapes and NUL bytes are refused here, before
 * anything touches the disk.
 */
import path from 'node:path'

export type EntryPathCheck =
  | { ok: true; relativePath: string }
  | { ok: false; reason: string }
  | { ok: 'ignore' }

export function checkEntryName(name: string): EntryPathCheck {
  if (name.includes('\0')) return { ok: false, reason: 'name contains a NUL byte' }
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) {
    return { ok: false, reason: 'absolute path is not allowed' }
  }

  const normalised = path.posix.normalize(name).replace(/\/+$/, '')
  if (normalised === '..' || normalised.startsWith('../')) {
    return { ok: false, reason: 'path escapes the destination directory' }
  }
  if (normalised === '.' || normalised === '') return { ok: 'ignore' }

  return { ok: true, relativePath: normalised }
}

/**
 * Whether a symlink stored at `relativePath` with `target` points inside `root`, judged
 * on the text alone (the link is never followed). Relative targets are taken from the
 * link's own directory, as the OS would.
 */
export function symlinkStaysInside(root: string, relativePath: string, target: string): boolean {
  if (target === '' || target.includes('\0')) return false

  const resolved = path.isAbsolute(target)
    ? path.resolve(target)
    : path.resolve(root, path.dirname(relativePath), target)
  const relative = path.relative(root, resolved)

  return !(relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative))
}

/** `a/b/c` → `['a', 'a/b']`: the directories an entry is written below. */
export function ancestorsOf(relativePath: string): string[] {
  const segments = relativePath.split('/')

  return segments.slice(0, -1).map((_, index) => segments.slice(0, index + 1).join('/'))
}
