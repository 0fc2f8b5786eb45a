/**
 * Cache keys with unicode and `/`, and cached file names with unicode, spaces and nested
 * folders, through whole jobs: saved by one job, restored by the next after git clean
 * removed them, locally and (when an S3 server can start) through the bucket alone.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readdir, readFile, rm } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { requireS3Server, S3_TEST_ACCESS_KEY, S3_TEST_SECRET_KEY, type S3TestServer } from '../helpers/s3-server.js'
import { PROJECT_PATH, startWorld, vars, type World } from './engine-artifacts-harness.js'

/** Relative path → one line of content. No single quotes anywhere (the script quotes with them). */
const TREE: Record<string, string> = {
  'vendor/ünïcödé/日本語 ファイル.txt': 'inhalt äöü – 内容\n',
  'vendor/with space/nested/deep er/file name.txt': 'spaces\n',
  'vendor/emoji 🚀/ok.txt': 'rocket 🚀\n',
}

/** Raw key (as written in .gitlab-ci.yml) → the sanitised key the archive is stored under. */
const KEYS: Array<[raw: string, stored: string]> = [
  ['deps/ünïcödé/$CI_COMMIT_REF_SLUG', 'deps/ünïcödé/main'],
  ['日本/キャッシュ 鍵', '日本/キャッシュ 鍵'],
  ['ключ/$BRANCH', 'ключ/feature/логин'],
  ['é%2Fè', 'é/è'],
  ['../../κλειδί/../ü', 'ü'],
]

function makeTreeScript(tree: Record<string, string>): string[] {
  return Object.entries(tree).flatMap(([path, content]) => [`mkdir -p "$(dirname '${path}')"`, `printf '%s\\n' '${content.trimEnd()}' > '${path}'`])
}

async function readTree(root: string, dir: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {}
  for (const entry of await readdir(join(root, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const full = join(entry.parentPath, entry.name)
    found[relative(root, full)] = await readFile(full, 'utf8')
  }

  return found
}

/** Every cache.zip under `root`, relative to it. */
async function archivesUnder(root: string): Promise<string[]> {
  if (!existsSync(root)) return []
  const entries = await readdir(root, { recursive: true, withFileTypes: true })

  return entries.filter((entry) => entry.isFile() && entry.name === 'cache.zip').map((entry) => relative(root, join(entry.parentPath, entry.name))).sort()
}

const cacheSpec = (key: string) => ({ key, paths: ['vendor/'], policy: 'pull-push', when: 'on_success' })
const VARIABLES = vars({ BRANCH: 'feature/логин' })

/** Saves with every key, then restores each key alone in a fresh job; returns the save job's text. */
async function roundTrip(world: World, o: { between?: () => Promise<void>; onRestore?: (text: string) => void } = {}): Promise<string> {
  const save = await world.run({ name: 'save', variables: VARIABLES, cache: KEYS.map(([raw]) => cacheSpec(raw)), script: makeTreeScript(TREE) })
  assert.equal(save.record.state, 'success', save.text)
  await o.between?.()

  for (const [raw, stored] of KEYS) {
    const restore = await world.run({ name: 'restore', variables: VARIABLES, cache: [{ ...cacheSpec(raw), policy: 'pull' }], script: ['true'] })
    assert.equal(restore.record.state, 'success', restore.text)
    assert.ok(restore.text.includes(`Checking cache for ${stored}...`), `restoring ${stored}\n${restore.text}`)
    assert.match(restore.text, /^Successfully extracted cache$/m)
    o.onRestore?.(restore.text)
    assert.deepEqual(await readTree(world.projectDir, 'vendor'), TREE, `the files restored from ${stored}`)
  }

  return save.text
}

describe('unicode and slashes in cache keys and cached file names, local cache', () => {
  let world: World

  before(async () => {
    world = await startWorld()
  })
  after(async () => {
    await world.close()
  })

  it('stores each key at <cache_dir>/<slug>/<sanitised key>/cache.zip and restores every name and byte', async () => {
    const text = await roundTrip(world)
    assert.ok(text.includes('WARNING: cache key "é%2Fè" sanitized to "é/è"'), text)
    assert.ok(text.includes('WARNING: cache key "../../κλειδί/../ü" sanitized to "ü"'), text)

    const expected = KEYS.map(([, stored]) => join(PROJECT_PATH, stored, 'cache.zip')).sort()
    assert.deepEqual(await archivesUnder(world.cacheDir), expected, 'nothing else, and nothing outside the cache dir')
    assert.equal(existsSync(join(world.cacheDir, '..', 'κλειδί')), false)
    const metadata = JSON.parse(await readFile(join(world.cacheDir, PROJECT_PATH, 'deps/ünïcödé/main', 'metadata.json'), 'utf8')) as unknown
    assert.deepEqual(metadata, { cachekey: 'deps/ünïcödé/main' })
  })
})

const started = await requireS3Server()
const skip = 'skip' in started ? started.skip : false
const server = started as S3TestServer

describe('unicode and slashes in cache keys and cached file names, S3 cache', { skip }, () => {
  let world: World

  before(async () => {
    world = await startWorld({}, {
      cache: {
        Type: 's3',
        Path: 'ci',
        Shared: true,
        s3: { ServerAddress: server.address, AccessKey: S3_TEST_ACCESS_KEY, SecretKey: S3_TEST_SECRET_KEY, BucketName: server.bucket, Insecure: true },
      },
    })
  })
  after(async () => {
    await world?.close()
    await server.close()
  })

  it('restores every key from the bucket alone after the local cache is gone', async () => {
    // Another runner host: only the bucket connects the save job with the restore jobs.
    await roundTrip(world, {
      between: () => rm(world.cacheDir, { recursive: true, force: true }),
      onRestore: (text) => assert.match(text, /Downloading cache\.zip from http:\/\/127\.0\.0\.1:\d+\//),
    })
  })
})
