/**
 * Derives the facts GitLab knows about a pipeline's commit from a local checkout, with the
 * real `git` CLI (spec §8.2).
 */
import { execFile } from 'node:child_process'
import { basename, resolve } from 'node:path'
import { promisify } from 'node:util'
import { GlrunnerError } from '../core/errors.js'
import type { GitContext } from './types.js'

const run = promisify(execFile)
export const ZERO_SHA = '0000000000000000000000000000000000000000'

export class GitContextError extends GlrunnerError {
  constructor(message: string, cause?: unknown) {
    super('GLR_PIPELINE_GIT', message, {
      cause,
      failureReason: 'runner_configuration_error',
      hint: 'Run glrunner exec inside a git work tree (git init creates one), or point --cwd at one.',
    })
  }
}

/** Runs git in `dir`; undefined when the command fails (e.g. no such ref). */
export async function git(dir: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd: dir, maxBuffer: 64 * 1024 * 1024 })

    return stdout
  } catch {
    return undefined
  }
}

/**
 * Derives the pipeline's git facts from the checkout in `projectDir`. Two states a user's
 * work tree can be in still compile, each with a line in `warnings`:
 * - no commit yet: the sha is ZERO_SHA (a caller that has committed a snapshot passes its
 *   sha as `overrides.sha`, and then no warning is given);
 * - a detached HEAD: see deriveRef.
 */
export async function deriveGitContext(projectDir: string, overrides: Partial<GitContext> = {}, warnings: string[] = []): Promise<GitContext> {
  const dir = resolve(projectDir)
  const sha = overrides.sha ?? (await headSha(dir, warnings))

  // Independent git calls run together: each is a process start on a busy machine.
  const [refs, message, remoteUrl, name, email, author, timestamp, branch] = await Promise.all([
    deriveRef(dir, overrides, sha, warnings),
    overrides.message ?? commitField(dir, '%B'),
    git(dir, ['remote', 'get-url', 'origin']),
    overrides.userName ?? git(dir, ['config', 'user.name']),
    overrides.userEmail ?? git(dir, ['config', 'user.email']),
    overrides.author ?? commitField(dir, '%an <%ae>'),
    overrides.timestamp ?? commitField(dir, '%cI'),
    overrides.defaultBranch ?? defaultBranch(dir),
  ])
  const remote = parseRemote(remoteUrl?.trim())
  const userName = name?.trim() ?? ''
  const userEmail = email?.trim() ?? ''

  return {
    sha,
    beforeSha: overrides.beforeSha ?? ZERO_SHA,
    branch: refs.branch,
    tag: refs.tag,
    tagMessage: refs.tagMessage,
    // git log appends one newline after %B; the stored message keeps its own.
    message: overrides.message === undefined ? message.replace(/\n$/, '') : message,
    author: author.trim(),
    timestamp: timestamp.trim(),
    defaultBranch: branch,
    projectPath: overrides.projectPath ?? remote?.path ?? `local/${basename(dir)}`,
    serverUrl: overrides.serverUrl ?? remote?.serverUrl ?? 'https://gitlab.com',
    userName,
    userEmail,
    protectedRef: overrides.protectedRef ?? false,
  }
}

async function headSha(dir: string, warnings: string[]): Promise<string> {
  const sha = (await git(dir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']))?.trim()
  if (sha !== undefined && sha !== '') return sha

  if ((await git(dir, ['rev-parse', '--is-inside-work-tree']))?.trim() !== 'true') {
    throw new GitContextError(`reading HEAD of ${dir}: not a git work tree`)
  }
  warnings.push(`the repository has no commits yet: the pipeline runs for the work tree as it is, with CI_COMMIT_SHA ${ZERO_SHA} and an empty commit message`)

  return ZERO_SHA
}

async function commitField(dir: string, format: string): Promise<string> {
  return (await git(dir, ['log', '-1', `--format=${format}`, 'HEAD'])) ?? ''
}

interface Refs {
  branch: string | undefined
  tag: string | undefined
  tagMessage: string | undefined
}

/**
 * The pipeline's ref: an explicit override, else the checked-out branch, else (detached
 * HEAD) a tag at HEAD, else the one local branch at HEAD. GitLab runs every pipeline for a
 * ref, so with no branch or several at HEAD the short sha stands in as the branch name
 * (CI_COMMIT_BRANCH and CI_COMMIT_REF_NAME hold it) and a warning says so.
 */
async function deriveRef(dir: string, overrides: Partial<GitContext>, sha: string, warnings: string[]): Promise<Refs> {
  if ('tag' in overrides && overrides.tag !== undefined) {
    return { branch: undefined, tag: overrides.tag, tagMessage: overrides.tagMessage ?? (await tagMessage(dir, overrides.tag)) }
  }

  if ('branch' in overrides && overrides.branch !== undefined) {
    return { branch: overrides.branch, tag: undefined, tagMessage: undefined }
  }

  const branch = (await git(dir, ['symbolic-ref', '--short', '-q', 'HEAD']))?.trim()
  if (branch !== undefined && branch !== '') return { branch, tag: undefined, tagMessage: undefined }

  const tag = (await git(dir, ['describe', '--tags', '--exact-match', 'HEAD']))?.trim()
  if (tag !== undefined && tag !== '') return { branch: undefined, tag, tagMessage: await tagMessage(dir, tag) }

  const listing = await git(dir, ['for-each-ref', '--points-at', 'HEAD', '--format=%(refname:short)', 'refs/heads/'])
  const branches = (listing ?? '').split('\n').filter((line) => line !== '')
  if (branches.length === 1) return { branch: branches[0], tag: undefined, tagMessage: undefined }

  const short = sha.slice(0, 8)
  const why = branches.length === 0 ? 'no local branch points at it' : `several local branches point at it (${branches.join(', ')})`
  warnings.push(`HEAD is detached at ${short} and ${why}: the pipeline runs as a branch pipeline for ref ${short}; check out a branch (git switch <branch>) to run it for that branch`)

  return { branch: short, tag: undefined, tagMessage: undefined }
}

async function tagMessage(dir: string, tag: string): Promise<string | undefined> {
  const type = (await git(dir, ['cat-file', '-t', `refs/tags/${tag}`]))?.trim()
  if (type !== 'tag') return undefined
  const text = await git(dir, ['tag', '-l', '--format=%(contents)', tag])

  return text?.replace(/\n$/, '')
}

async function defaultBranch(dir: string): Promise<string> {
  const ref = (await git(dir, ['symbolic-ref', '-q', 'refs/remotes/origin/HEAD']))?.trim()
  if (ref !== undefined && ref.startsWith('refs/remotes/origin/')) return ref.slice('refs/remotes/origin/'.length)

  return 'main'
}

/** `git@host:group/proj.git`, `ssh://git@host:22/group/proj.git`, `https://host/group/proj.git`. */
export function parseRemote(url: string | undefined): { path: string; serverUrl: string } | undefined {
  if (url === undefined || url === '') return undefined

  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+?)(?:\.git)?\/?$/.exec(url)
  if (scp !== null && !url.includes('://')) return { serverUrl: `https://${scp[1]}`, path: scp[2] ?? '' }

  try {
    const parsed = new URL(url)
    const path = parsed.pathname.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '')
    if (path === '') return undefined
    const port = parsed.protocol.startsWith('http') && parsed.port !== '' ? `:${parsed.port}` : ''
    const scheme = parsed.protocol === 'http:' ? 'http' : 'https'

    return { serverUrl: `${scheme}://${parsed.hostname}${port}`, path }
  } catch {
    return undefined
  }
}
