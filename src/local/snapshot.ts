/**
 * A snapshot of a working tree as a commit, for local pipelines: tracked files with their
 * uncommitted changes plus untracked files that are not ignored — what `git add -A` would
 * stage — without touching the user's branch, index, stash or object store.
 *
 * The commit lives in a bare repository of glrunner's own (the state folder) that borrows
 * the user's objects through `objects/info/alternates`; a temporary index file stands in
 * for the user's index. The coordinator serves that bare repository over git smart HTTP.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { GlrunnerError } from '../core/errors.js'

const execFileAsync = promisify(execFile)

export interface Snapshot {
  /** The bare repository holding the snapshot commit. */
  repoDir: string
  /** Snapshot commit id. */
  sha: string
  /** The branch the user is on (empty when detached). */
  branch: string
  /** The commit the snapshot's parent is (HEAD), empty in a repository without commits. */
  headSha: string
  /** True when the work tree differs from HEAD. */
  dirty: boolean
}

async function git(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      maxBuffer: 64 * 1024 * 1024,
    })

    return stdout.trim()
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim() ?? ''
    throw new GlrunnerError('GLR_GIT_SNAPSHOT', `running git ${args[0]}: ${stderr || (err as Error).message}`, { cause: err })
  }
}

async function optionalGit(args: string[], cwd: string): Promise<string> {
  try {
    return await git(args, { cwd })
  } catch {
    return ''
  }
}

/**
 * Snapshots `projectDir` into `<stateDir>/repo.git` and returns the commit. The branch
 * (by default the one the user is on) is recreated there pointing at the snapshot, so jobs
 * see the same ref; a `tag` is created too for tag pipelines.
 */
export async function snapshotWorkTree(options: { projectDir: string; stateDir: string; branch?: string; tag?: string }): Promise<Snapshot> {
  const projectDir = resolve(options.projectDir)
  const topLevel = await optionalGit(['rev-parse', '--show-toplevel'], projectDir)
  if (topLevel === '') {
    throw new GlrunnerError('GLR_NOT_A_REPOSITORY', `${projectDir} is not inside a git repository`, {
      hint: 'Run glrunner exec from a git work tree (git init; git add; git commit) or pass --cwd.',
    })
  }

  const userGitDir = resolve(topLevel, await git(['rev-parse', '--git-common-dir'], { cwd: topLevel }))
  const repoDir = join(options.stateDir, 'repo.git')
  await mkdir(options.stateDir, { recursive: true })
  await git(['init', '--quiet', '--bare', repoDir], { cwd: options.stateDir })
  await mkdir(join(repoDir, 'objects', 'info'), { recursive: true })
  await writeFile(join(repoDir, 'objects', 'info', 'alternates'), `${join(userGitDir, 'objects')}\n`)

  const headSha = await optionalGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], topLevel)
  const branch = options.branch ?? (await optionalGit(['symbolic-ref', '--short', '--quiet', 'HEAD'], topLevel))

  // New objects go to glrunner's repository; the user's objects are read through alternates.
  const indexDir = await mkdtemp(join(tmpdir(), 'glrunner-index-'))
  const env = {
    GIT_INDEX_FILE: join(indexDir, 'index'),
    GIT_OBJECT_DIRECTORY: join(repoDir, 'objects'),
    GIT_ALTERNATE_OBJECT_DIRECTORIES: join(userGitDir, 'objects'),
  }

  try {
    if (headSha !== '') await git(['read-tree', headSha], { cwd: topLevel, env })
    await git(['add', '--all', '--', '.'], { cwd: topLevel, env })
    const tree = await git(['write-tree'], { cwd: topLevel, env })
    const headTree = headSha === '' ? '' : await git(['rev-parse', `${headSha}^{tree}`], { cwd: topLevel })
    const dirty = tree !== headTree

    const sha = dirty
      ? await git(['commit-tree', tree, ...(headSha ? ['-p', headSha] : []), '-m', 'glrunner snapshot of the working tree'], {
          cwd: topLevel,
          env: {
            ...env,
            GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? 'glrunner',
            GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? 'glrunner@localhost',
            GIT_COMMITTER_NAME: 'glrunner',
            GIT_COMMITTER_EMAIL: 'glrunner@localhost',
          },
        })
      : headSha

    const refName = branch === '' ? 'glrunner-detached' : branch
    await git(['update-ref', `refs/heads/${refName}`, sha], { cwd: repoDir })
    await git(['symbolic-ref', 'HEAD', `refs/heads/${refName}`], { cwd: repoDir })
    // A tag pipeline fetches refs/tags/<tag>: it points at the snapshot too.
    if (options.tag !== undefined) await git(['update-ref', `refs/tags/${options.tag}`, sha], { cwd: repoDir })

    return { repoDir, sha, branch: refName, headSha, dirty }
  } finally {
    await rm(indexDir, { recursive: true, force: true })
  }
}
