/**
 * The folder where `glrunner exec` keeps everything of a local pipeline: the snapshot
 * repository, builds, caches, artifacts and full job logs. It lives at `.glrunner/` in the
 * repository's top level and ignores itself (a `.gitignore` of `*` inside it), so neither
 * the user's `.gitignore` nor `git status` is touched.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

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
