/**
 * What `rules:changes` and `rules:exists` look at: the files of the pipeline commit and the
 * files changed by the push (spec §9.3, §9.4), read with git once and cached.
 */
import picomatch from 'picomatch'
import { git, ZERO_SHA } from '../git-context.js'
import { listFiles } from '../include/local-files.js'
import type { GitContext } from '../types.js'

export interface RepoFacts {
  /** Tracked files of the pipeline commit. */
  committedFiles(): Promise<string[]>
  /** Changed files, or 'all' when GitLab treats every `changes` clause as true. */
  changedFiles(compareTo?: string): Promise<string[] | 'all' | 'invalid-ref'>
}

export function createRepoFacts(projectDir: string, ctx: GitContext, source: string): RepoFacts {
  let committed: Promise<string[]> | undefined
  const diffs = new Map<string, Promise<string[] | 'all' | 'invalid-ref'>>()

  const diff = async (base: string): Promise<string[] | 'invalid-ref'> => {
    const ok = await git(projectDir, ['rev-parse', '--verify', '-q', `${base}^{commit}`])
    if (ok === undefined) return 'invalid-ref'
    const out = await git(projectDir, ['diff', '--name-only', '--no-renames', ok.trim(), ctx.sha])

    return out === undefined ? 'invalid-ref' : out.split('\n').filter((line) => line !== '')
  }

  return {
    committedFiles() {
      committed ??= committedOrWorkTree(projectDir, ctx.sha)

      return committed
    },
    changedFiles(compareTo) {
      const key = compareTo ?? ''
      let found = diffs.get(key)
      if (found === undefined) {
        if (compareTo !== undefined) found = diff(compareTo)
        else if (source !== 'push' || ctx.tag !== undefined || ctx.beforeSha === ZERO_SHA || ctx.beforeSha === '') {
          found = Promise.resolve('all')
        } else found = diff(ctx.beforeSha)
        diffs.set(key, found)
      }

      return found
    },
  }
}

/**
 * Files of `sha`; for a repository without commits (ZERO_SHA) or a commit the checkout does
 * not hold (a work-tree snapshot kept elsewhere), the work tree's files stand in: they are
 * what such a pipeline runs on.
 */
async function committedOrWorkTree(projectDir: string, sha: string): Promise<string[]> {
  const out = sha === ZERO_SHA ? undefined : await git(projectDir, ['ls-tree', '-r', '--name-only', '-z', sha])
  if (out === undefined) return listFiles(projectDir)

  return out.split('\0').filter((line) => line !== '')
}

/** Ruby's File.fnmatch with FNM_PATHNAME | FNM_DOTMATCH | FNM_EXTGLOB. */
export function fnmatcher(pattern: string): (path: string) => boolean {
  const matcher = picomatch(pattern.replace(/^\.\//, ''), { dot: true, nonegate: true, noextglob: true })

  return (path) => matcher(path)
}
