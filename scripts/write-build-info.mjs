#!/usr/bin/env node
// Records the git revision glrunner was built from (shown in the job log header as
// "Running with glrunner <version> (<revision>)") in dist/build-info.json.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'

const root = new URL('..', import.meta.url)
let revision = 'unknown'
try {
  revision = execFileSync('git', ['rev-parse', '--short=8', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
} catch {
  // Not a git checkout (a release tarball): keep "unknown".
}
mkdirSync(new URL('dist/', root), { recursive: true })
writeFileSync(new URL('dist/build-info.json', root), `${JSON.stringify({ revision })}\n`)
