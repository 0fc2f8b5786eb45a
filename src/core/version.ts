/**
 * glrunner's version and revision, as printed in the job log header and sent to GitLab.
 * The version comes from package.json; the revision from dist/build-info.json written at
 * build time, or, when running from source, from git.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

function readJson(url: URL): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
}

function readRevision(): string {
  if (process.env.GLRUNNER_REVISION) return process.env.GLRUNNER_REVISION
  const built = readJson(new URL('../build-info.json', import.meta.url))?.revision
  if (typeof built === 'string') return built
  try {
    const root = new URL('../..', import.meta.url)

    return execFileSync('git', ['rev-parse', '--short=8', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

const packageVersion = readJson(new URL('../../package.json', import.meta.url))?.version

export const GLRUNNER_VERSION = typeof packageVersion === 'string' ? packageVersion : '0.0.0'
/** Short commit id glrunner was built from, `unknown` outside a git checkout. */
export const GLRUNNER_REVISION = readRevision()
