/** Files an `include:local` glob may match, and GitLab's translation of such a glob. */
import { readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
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
