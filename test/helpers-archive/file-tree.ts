/** Test support: temporary directories with small file trees. */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

export interface TempDir extends AsyncDisposable {
  path: string
}

export async function makeTempDir(prefix = 'glrunner-helpers-'): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix))

  return {
    path: dir,
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  }
}

/**
 * Writes files under `root`: a string value is file content, `{ link }` a symlink,
 * `{ dir: true }` an empty directory.
 */
export async function writeTree(
  root: string,
  tree: Record<string, string | { link: string } | { dir: true }>,
): Promise<void> {
  for (const [relativePath, value] of Object.entries(tree)) {
    const absolute = path.join(root, relativePath)
    await mkdir(path.dirname(absolute), { recursive: true })
    if (typeof value === 'string') await writeFile(absolute, value)
    else if ('link' in value) await symlink(value.link, absolute)
    else await mkdir(absolute, { recursive: true })
  }
}
