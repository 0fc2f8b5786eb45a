#!/usr/bin/env node
// Runs every test file (src/**/*.test.ts and test/**/*.test.ts) with Node's own test runner,
// TypeScript loaded through tsx. Arguments narrow the set: `npm test -- masker git`
// runs only files whose path contains one of the words.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const filters = process.argv.slice(2).filter((arg) => !arg.startsWith('--'))
const passThrough = process.argv.slice(2).filter((arg) => arg.startsWith('--'))

function findTests(dir) {
  const found = []
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'fixtures') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) found.push(...findTests(path))
    else if (name.endsWith('.test.ts')) found.push(relative(root, path))
  }
  return found
}

const files = ['src', 'test']
  .flatMap((dir) => findTests(join(root, dir)))
  .filter((file) => filters.length === 0 || filters.some((word) => file.includes(word)))
  .sort()

if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`)
  process.exit(1)
}

const concurrency = process.env.GLRUNNER_TEST_CONCURRENCY ?? '3'
const result = spawnSync(
  process.execPath,
  // A hung test fails after four minutes instead of holding the run until CI's limit. Node 20
  // applies this timeout to each test file as a whole too: a file must stay well under four
  // minutes on a loaded machine (exec-cli.test.ts took 222 s and timed out once), so split it.
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=240000', ...passThrough, ...files],
  { cwd: root, stdio: 'inherit' },
)
process.exit(result.status ?? 1)
