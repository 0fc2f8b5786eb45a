/**
 * The folder where `glrunner exec` keeps everything of a local pipeline: the snapshot
 * repository, builds, caches, artifacts and full job logs. It lives at `.glrunner/` in the
 * repository's top level and ignores itself (a `.gitignore` of `*` inside it), so neither
 * the user's `.gitignore` nor `git status` is touched.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { GlrunnerError } from '../core/errors.js'

export const STATE_DIR_NAME = '.glrunner'

export interface StateDir {
  root: string
  /** Builds dir of the local runner (project checkouts). */
  builds: string
  /** Local cache dir. */
  cache: string
  /** Coordinator data: uploaded artifacts. */
  coordinator: string
  /** Full job logs, one folder per pipeline run. */
  logs: string
}

export function stateDirPaths(repoTopLevel: string): StateDir {
  const root = join(repoTopLevel, STATE_DIR_NAME)

  return {
    root,
    builds: join(root, 'builds'),
    cache: join(root, 'cache'),
    coordinator: join(root, 'coordinator'),
    logs: join(root, 'logs'),
  }
}

export async function prepareStateDir(repoTopLevel: string): Promise<StateDir> {
  const paths = stateDirPaths(repoTopLevel)
  await mkdir(paths.root, { recursive: true })
  await writeFile(join(paths.root, '.gitignore'), '# glrunner exec state; safe to delete (glrunner exec --clean)\n*\n')
  await Promise.all([paths.builds, paths.cache, paths.coordinator, paths.logs].map((dir) => mkdir(dir, { recursive: true })))

  return paths
}

/** Removes the whole state folder (`glrunner exec --clean`); undefined when there was none. */
export async function cleanStateDir(repoTopLevel: string): Promise<string | undefined> {
  const { root } = stateDirPaths(repoTopLevel)
  const existed = await stat(root).then(() => true, () => false)
  await rm(root, { recursive: true, force: true })

  return existed ? root : undefined
}

/** The pipeline id the next run gets: one more than the last run's (CI_PIPELINE_ID). */
export async function nextPipelineId(repoTopLevel: string): Promise<number> {
  const saved = Number((await readFile(join(stateDirPaths(repoTopLevel).root, 'pipeline-id'), 'utf8').catch(() => '0')).trim())

  return Number.isSafeInteger(saved) && saved > 0 ? saved + 1 : 1
}

export async function savePipelineId(state: StateDir, id: number): Promise<void> {
  await writeFile(join(state.root, 'pipeline-id'), `${id}\n`)
}

/**
 * One `glrunner exec` at a time per repository: runs share the checkouts under builds/, so
 * a second one would overwrite the first one's files. Returns the release function.
 */
export async function lockStateDir(state: StateDir): Promise<() => Promise<void>> {
  const path = join(state.root, 'run.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' })

      return () => rm(path, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim())
      if (Number.isSafeInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new GlrunnerError('GLR_EXEC_BUSY', `another glrunner exec (pid ${holder}) is running in this repository`, {
          failureReason: 'runner_configuration_error',
          hint: 'Wait for it to finish; to run pipelines side by side, use a second work tree (git worktree add ../other).',
        })
      }
      // Left by a run that died: take it over.
      await rm(path, { force: true })
    }
  }
  throw new GlrunnerError('GLR_EXEC_BUSY', `could not lock ${path}`, { failureReason: 'runner_configuration_error' })
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)

    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
