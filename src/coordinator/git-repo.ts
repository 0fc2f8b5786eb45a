/**
 * The few git operations the coordinator needs on a served repository. They are
 * synchronous on purpose: `enqueueJob` returns the job at once, and each call is one
 * short git process on a local repository.
 */
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import { CoordinatorError } from './errors.js'

function git(repoDir: string, args: string[]): string {
  try {
    return execFileSync('git', args, {
      cwd: repoDir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
    })
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim() ?? ''
    throw new CoordinatorError(`running git ${args.join(' ')} in ${repoDir}: ${stderr}`, { cause: err })
  }
}

/** The absolute git dir of a repository, bare or not. */
export function absoluteGitDir(repoDir: string): string {
  return resolve(repoDir, git(repoDir, ['rev-parse', '--absolute-git-dir']).trim())
}

/** The branch HEAD points at, '' when detached or unborn. */
export function currentBranch(repoDir: string): string {
  try {
    return git(repoDir, ['symbolic-ref', '--quiet', '--short', 'HEAD']).trim()
  } catch {
    return ''
  }
}

export interface CommitInfo {
  sha: string
  authorName: string
  authorEmail: string
  /** ISO-8601 author date. */
  timestamp: string
  message: string
}

/** Resolves a commit-ish (branch, tag, sha) and reads what CI_COMMIT_* variables show. */
export function readCommit(repoDir: string, commitish: string): CommitInfo {
  const out = git(repoDir, ['log', '-1', '--format=%H%x00%an%x00%ae%x00%aI%x00%B', `${commitish}^{commit}`, '--'])
  const [sha = '', authorName = '', authorEmail = '', timestamp = '', message = ''] = out.split('\0')

  return { sha: sha.trim(), authorName, authorEmail, timestamp, message: message.replace(/\n+$/, '\n') }
}

/** Points `ref` at `sha` (GitLab's persistent pipeline ref, refs/pipelines/<id>). */
export function updateRef(repoDir: string, ref: string, sha: string): void {
  git(repoDir, ['update-ref', ref, sha])
}
