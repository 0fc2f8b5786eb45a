/** Where the root CI file is: always a file of the repository, like GitLab's CI_CONFIG_PATH. */
import { readFile, realpath } from 'node:fs/promises'
import { isAbsolute, normalize, relative, resolve, sep } from 'node:path'
import { fail } from '../config-problem.js'
import { containedPath, isInside } from './local-files.js'

/**
 * The CI file's path relative to `projectDir` (`/`-separated). An absolute path inside the
 * project is accepted; one that leaves it (`../ci.yml`, `/elsewhere/ci.yml`) is refused.
 */
export async function ciFilePath(projectDir: string, ciFile: string): Promise<string> {
  let path = ciFile
  if (isAbsolute(ciFile)) {
    path = relative(projectDir, ciFile)
    if (!isInside(projectDir, ciFile)) {
      // projectDir is git's top level, a real path; the user may reach it through a link.
      const [realRoot, realFile] = await Promise.all([realpath(projectDir).catch(() => projectDir), realpath(ciFile).catch(() => undefined)])
      if (realFile !== undefined && isInside(realRoot, realFile)) path = relative(realRoot, realFile)
    }
  }

  path = normalize(path)
  if (!isInside(projectDir, resolve(projectDir, path))) {
    fail(ciFile, `The CI configuration file \`${ciFile}\` is outside the project directory ${projectDir}; it must be a file of the repository`)
  }

  return path.split(sep).join('/')
}

/** Reads the root CI file, refusing a symbolic link that leads out of the project. */
export async function readCiFile(projectDir: string, ciFile: string): Promise<string> {
  const found = await containedPath(projectDir, ciFile)
  if (found.kind === 'outside') {
    const target = found.realPath === undefined ? '' : ` (${found.realPath})`
    fail(ciFile, `The CI configuration file \`${ciFile}\` is a link to a file outside the project directory ${projectDir}${target}; it must be a file of the repository`)
  }

  const text = found.kind === 'inside' ? await readFile(found.realPath, 'utf8').catch(() => undefined) : undefined
  if (text === undefined) fail(ciFile, `The CI configuration file \`${ciFile}\` does not exist in ${projectDir}`)

  return text
}
