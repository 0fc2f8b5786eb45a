/**
 * The distributed cache against a real S3-compatible server (test/helpers/s3-server.ts):
 * restore_cache / archive_cache entries through createCacheStore with Type = "s3", each
 * "runner host" with its own local cache dir so only the bucket connects them.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { request } from 'undici'
import { cacheSchema, type CacheSpec } from '../../src/gitlab/job-payload.js'
import { restoreCacheEntry, saveCacheEntry } from '../../src/helpers/cache/cache-entry.js'
import { parseCacheConfig } from '../../src/helpers/cache/cache-config.js'
import { hashCacheKey } from '../../src/helpers/cache/cache-key.js'
import { createCacheStore } from '../../src/helpers/cache/create-cache-store.js'
import { S3CacheStore } from '../../src/helpers/cache/s3/s3-cache-store.js'
import { presignS3Request } from '../../src/helpers/cache/s3/s3-presign.js'
import type { ReportLine } from '../../src/helpers/helper-log/report-line.js'
import { makeTempDir, writeTree, type TempDir } from '../helpers-archive/file-tree.js'
import { requireS3Server, S3_TEST_ACCESS_KEY, S3_TEST_SECRET_KEY, type S3TestServer } from '../helpers/s3-server.js'

const started = await requireS3Server()
const skip = 'skip' in started ? started.skip : false
const server = started as S3TestServer
after(() => ('skip' in started ? undefined : server.close()))

const RUNNER_A = 'AaaaAaaaA'
const RUNNER_B = 'BbbbBbbbB'

interface HostOptions {
  shortToken?: string
  shared?: boolean
  maxUploadedArchiveSize?: number
  accessKey?: string
  secretKey?: string
  hashKeys?: boolean
}

function cacheTable(options: HostOptions): Record<string, unknown> {
  return {
    Type: 's3',
    Path: 'ci',
    Shared: options.shared ?? true,
    MaxUploadedArchiveSize: options.maxUploadedArchiveSize ?? 0,
    s3: {
      ServerAddress: server.address,
      AccessKey: options.accessKey ?? S3_TEST_ACCESS_KEY,
      SecretKey: options.secretKey ?? S3_TEST_SECRET_KEY,
      BucketName: server.bucket,
      Insecure: true,
    },
  }
}

/** One runner host: its own local cache dir and builds dir, the shared bucket. */
function host(tmp: TempDir, name: string, options: HostOptions = {}) {
  const store = createCacheStore(cacheTable(options), {
    localCacheDir: path.join(tmp.path, name, 'cache'),
    projectSlug: 'group/project',
    shortToken: options.shortToken ?? RUNNER_A,
    projectId: 42,
    hashKeys: options.hashKeys,
  })
  assert.ok(store instanceof S3CacheStore)
  const projectDir = path.join(tmp.path, name, 'builds/group/project')
  const entry = (fields: Record<string, unknown>) => ({
    spec: spec({ paths: ['vendor/'], ...fields }),
    jobName: 'build',
    ref: 'main',
    expand: (value: string) => value,
    hashKeys: options.hashKeys,
    store,
    projectDir,
  })

  return {
    store,
    projectDir,
    restore: (fields: Record<string, unknown>) => restoreCacheEntry(entry(fields)),
    save: async (fields: Record<string, unknown>, marker: string) => {
      await writeTree(projectDir, { 'vendor/marker': marker })

      return saveCacheEntry({ ...entry(fields), jobStatus: 'success' })
    },
    marker: () => readFile(path.join(projectDir, 'vendor/marker'), 'utf8'),
  }
}

function spec(fields: Record<string, unknown>): CacheSpec {
  return cacheSchema.parse(fields)
}

function text(lines: readonly ReportLine[]): string[] {
  return lines.map((line) => `${line.kind === 'helper' ? line.level : line.kind}: ${line.message}`)
}

function objectUrl(objectName: string): string {
  return `http://${server.address}/${server.bucket}/${objectName}`
}

/** Asks the server directly (signed with the right keys) whether an object exists. */
async function headObject(objectName: string): Promise<{ status: number; cachekey: unknown }> {
  const config = parseCacheConfig(cacheTable({})).s3!
  const head = presignS3Request({ config, method: 'HEAD', objectName, expiresSeconds: 60 })
  const response = await request(head.url, { method: 'HEAD' })
  await response.body.dump()

  return { status: response.statusCode, cachekey: response.headers['x-amz-meta-cachekey'] }
}

function assertNoSecrets(lines: readonly ReportLine[]): void {
  for (const line of text(lines)) {
    assert.doesNotMatch(line, /X-Amz-|Signature=|Credential=|\?/, `a line shows URL query or credentials: ${line}`)
  }
}

describe('S3 distributed cache', { skip }, () => {
  it('saves on one runner host and restores on another whose local cache is empty', async () => {
    await using tmp = await makeTempDir()
    const first = host(tmp, 'host-1')
    const second = host(tmp, 'host-2', { shortToken: RUNNER_B })

    const saved = await first.save({ key: 'deps' }, 'v1')

    assert.equal(saved.outcome, 'saved')
    assert.ok(text(saved.lines).includes(`info: Uploading cache.zip to ${objectUrl('ci/project/42/deps')}`))
    assert.equal(text(saved.lines).at(-1), 'notice: Created cache')
    assert.deepEqual(await headObject('ci/project/42/deps'), { status: 200, cachekey: 'deps' })

    const restored = await second.restore({ key: 'deps' })

    assert.equal(restored.hit?.key, 'deps')
    assert.deepEqual(text(restored.lines), [
      'notice: Checking cache for deps...',
      `info: Downloading cache.zip from ${objectUrl('ci/project/42/deps')}`,
      'notice: Successfully extracted cache',
    ])
    assert.equal(await second.marker(), 'v1')
    assertNoSecrets([...saved.lines, ...restored.lines])

    const again = await second.restore({ key: 'deps' })
    assert.deepEqual(text(again.lines), ['notice: Checking cache for deps...', 'info: cache.zip is up to date', 'notice: Successfully extracted cache'])
  })

  it('treats a missing object as a miss and falls back to the next key', async () => {
    await using tmp = await makeTempDir()
    await host(tmp, 'seeder').save({ key: 'deps-main' }, 'from-main')
    const job = host(tmp, 'job')

    const restored = await job.restore({ key: 'deps-feature', fallback_keys: ['deps-main'] })

    assert.equal(restored.hit?.key, 'deps-main')
    assert.deepEqual(text(restored.lines), [
      'notice: Checking cache for deps-feature...',
      'warning: Cache file does not exist',
      'warning: Failed to extract cache',
      'notice: Checking cache for deps-main...',
      `info: Downloading cache.zip from ${objectUrl('ci/project/42/deps-main')}`,
      'notice: Successfully extracted cache',
    ])
    assert.equal(await job.marker(), 'from-main')
  })

  it('keeps per-runner caches apart under runner/<short token>/ and shares them when Shared = true', async () => {
    await using tmp = await makeTempDir()
    const runnerA = host(tmp, 'a', { shared: false, shortToken: RUNNER_A })
    const runnerB = host(tmp, 'b', { shared: false, shortToken: RUNNER_B })
    assert.equal((await runnerA.save({ key: 'layout' }, 'a-only')).outcome, 'saved')

    assert.equal((await headObject(`ci/runner/${RUNNER_A}/project/42/layout`)).status, 200)
    assert.equal((await headObject('ci/project/42/layout')).status, 404)
    assert.equal((await runnerB.restore({ key: 'layout' })).hit, undefined)
    const runnerAElsewhere = host(tmp, 'a-2', { shared: false, shortToken: RUNNER_A })
    assert.equal((await runnerAElsewhere.restore({ key: 'layout' })).hit?.key, 'layout')

    const sharedA = host(tmp, 'shared-a', { shortToken: RUNNER_A })
    const sharedB = host(tmp, 'shared-b', { shortToken: RUNNER_B })
    await sharedA.save({ key: 'layout' }, 'for-all')
    assert.equal((await sharedB.restore({ key: 'layout' })).hit?.key, 'layout')
    assert.equal(await sharedB.marker(), 'for-all')
  })

  it('puts hashed keys (FF_HASH_CACHE_KEYS) under a two-character fan-out folder', async () => {
    await using tmp = await makeTempDir()
    const hashed = hashCacheKey('deps')
    await host(tmp, 'one', { hashKeys: true }).save({ key: 'deps' }, 'hashed')

    assert.equal((await headObject(`ci/project/42/${hashed.slice(0, 2)}/${hashed}`)).status, 200)
    const other = host(tmp, 'two', { hashKeys: true })
    assert.equal((await other.restore({ key: 'deps' })).hit?.key, 'deps')
    assert.equal(await other.marker(), 'hashed')
  })

  it('turns wrong credentials into warnings: the entry fails, the job step does not crash', async () => {
    await using tmp = await makeTempDir()
    await host(tmp, 'seeder').save({ key: 'creds' }, 'secret-stuff')
    const wrongSecret = host(tmp, 'wrong-secret', { secretKey: 'not-the-secret' })

    const restored = await wrongSecret.restore({ key: 'creds' })

    const mismatch =
      'received: 403 Forbidden. Request failed with code: SignatureDoesNotMatch, message: The request signature we calculated does not match the signature you provided. Check your key and signing method.'
    assert.equal(restored.hit, undefined)
    assert.deepEqual(text(restored.lines), ['notice: Checking cache for creds...', `warning: ${mismatch}`, 'warning: Failed to extract cache'])

    const saved = await wrongSecret.save({ key: 'creds' }, 'overwrite-attempt')

    assert.equal(saved.outcome, 'failed')
    assert.deepEqual(text(saved.lines).slice(-3), [
      `info: Uploading cache.zip to ${objectUrl('ci/project/42/creds')}`,
      `error: ${mismatch}`,
      'warning: Failed to create cache',
    ])
    // The archive is still kept locally, as the official helper keeps it.
    assert.ok((await stat(wrongSecret.store.local.archivePath('creds'))).isFile())
    assertNoSecrets([...restored.lines, ...saved.lines])

    const wrongKey = host(tmp, 'wrong-key', { accessKey: 'NOBODY' })
    const unknown = await wrongKey.restore({ key: 'creds' })
    assert.match(text(unknown.lines)[1] ?? '', /^warning: received: 403 Forbidden\. Request failed with code: InvalidAccessKeyId, /)
  })

  it('stores an archive above MaxUploadedArchiveSize only locally', async () => {
    await using tmp = await makeTempDir()
    const limited = host(tmp, 'limited', { maxUploadedArchiveSize: 64 })

    const saved = await limited.save({ key: 'big' }, 'more than sixty-four bytes once zipped with its directory entries')

    const size = (await stat(limited.store.local.archivePath('big'))).size
    assert.ok(size > 64)
    assert.equal(saved.outcome, 'saved')
    assert.ok(text(saved.lines).includes(`info: Cache archive size (${size}) is too big (Limit is set to 64). Cache will be stored only locally.`))
    assert.equal((await headObject('ci/project/42/big')).status, 404)
  })

  it('keeps one whole archive when several hosts save the same key at once', async () => {
    await using tmp = await makeTempDir()
    const contents = ['alpha', 'bravo', 'charlie', 'delta']
    const hosts = contents.map((_, index) => host(tmp, `racer-${index}`))

    const results = await Promise.all(hosts.map((racer, index) => racer.save({ key: 'race' }, contents[index]!)))

    assert.deepEqual(results.map((result) => result.outcome), ['saved', 'saved', 'saved', 'saved'])
    // Real S3 makes concurrent PUTs of one key atomic (the last one wins); the test server
    // writes its object files in place, so what the race leaves there is the server's
    // business. What must hold for the runner: every host saved without error, and the key
    // keeps working — a later save is what the next job restores.
    assert.equal((await hosts[0]!.save({ key: 'race' }, 'after the race')).outcome, 'saved')
    const reader = host(tmp, 'reader')
    assert.equal((await reader.restore({ key: 'race' })).hit?.key, 'race')
    assert.equal(await reader.marker(), 'after the race')
  })

  it('streams an archive of several MiB both ways unchanged', async () => {
    await using tmp = await makeTempDir()
    const payload = randomBytes(3 * 1024 * 1024).toString('base64')
    const writer = host(tmp, 'writer')
    assert.equal((await writer.save({ key: 'large' }, payload)).outcome, 'saved')

    const reader = host(tmp, 'reader')
    assert.equal((await reader.restore({ key: 'large' })).hit?.key, 'large')
    assert.equal(await reader.marker(), payload)
  })
})
