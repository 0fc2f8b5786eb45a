/** Files an `include:local` glob may match, and GitLab's translation of such a glob. */
import { readdir, realpath } from 'node:fs/promises'
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path'
import { git } from '../git-context.js'

/**
 * Tracked files plus untracked files that are not ignored: local mode reads the working
 * tree, so a new CI file can be tried before it is committed.
 */
export async function listFiles(rootDir: string): Promise<string[]> {
  const out = await git(rootDir, ['ls-files', '-z', '--cached', '--others', '--exclude-standard'])
  if (out === undefined) return walk(rootDir, rootDir)

  return [...new Set(out.split('\0').filter((line) => line !== ''))]
}

async function walk(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  const files: string[] = []
  for (const entry of entries) {
    if (entry.name === '.git') continue
    const full = join(dir, entry.name)
    if (entry.isDirectory()) files.push(...(await walk(root, full)))
    else if (entry.isFile()) files.push(relative(root, full))
  }

  return files
}

/** True when `path` (absolute) names `rootDir` itself or something below it, by its spelling. */
export function isInside(rootDir: string, path: string): boolean {
  const rel = relative(rootDir, path)

  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)
}

export type ContainedPath =
  | { kind: 'inside'; realPath: string }
  | { kind: 'missing' }
  /** Outside by its spelling (`../x.yml`) or through a symbolic link; `realPath` when it exists. */
  | { kind: 'outside'; realPath?: string }

/**
 * Resolves `path` (relative to `rootDir`) and follows symbolic links: GitLab reads files from
 * the repository, so a link may point anywhere inside it but nowhere outside. Callers read
 * `realPath`, not the link, so the check and the read see the same file.
 */
export async function containedPath(rootDir: string, path: string): Promise<ContainedPath> {
  const root = resolve(rootDir)
  const full = resolve(root, normalize(path))
  if (!isInside(root, full)) {
    const realPath = await realpath(full).catch(() => undefined)

    return realPath === undefined ? { kind: 'outside' } : { kind: 'outside', realPath }
  }

  const realPath = await realpath(full).catch(() => undefined)
  if (realPath === undefined) return { kind: 'missing' }
  const realRoot = await realpath(root).catch(() => root)

  return isInside(realRoot, realPath) ? { kind: 'inside', realPath } : { kind: 'outside', realPath }
}

/** `**` is any characters including `/` (maybe none), `*` any characters except `/`. */
export function localGlobToRegExp(pattern: string): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    if (pattern.startsWith('**', i)) {
      source += '.*'
      i += 1
    } else if (pattern[i] === '*') source += '[^/]*'
    else source += (pattern[i] ?? '').replace(/[\\^$.+?()[\]{}|/]/g, '\\$&')
  }

  return new RegExp(`^${source}$`, 's')
}
