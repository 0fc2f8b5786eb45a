import assert from 'node:assert/strict'
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { describe, it } from 'node:test'
import { cacheSchema, type CacheSpec } from '../../gitlab/job-payload.js'
import { makeTempDir, writeTree } from '../../../test/helpers-archive/file-tree.js'
import { createZipArchive } from '../archive/create-zip-archive.js'
import { extractZipArchive } from '../archive/extract-zip-archive.js'
import { selectFiles } from '../file-selection/select-files.js'
import type { ReportLine } from '../helper-log/report-line.js'
import { cacheActions } from './cache-actions.js'
import { restoreCacheEntry, saveCacheEntry } from './cache-entry.js'
import { LocalCacheStore } from './local-cache-store.js'
import { resolveCacheKeys } from './resolve-cache-keys.js'
import { saveCache } from './save-cache.js'

function spec(fields: Record<string, unknown>): CacheSpec {
  return cacheSchema.parse(fields)
}

function text(lines: readonly ReportLine[]): string[] {
  return lines.map((line) => `${line.kind === 'helper' ? `helper-${line.level}` : line.kind}: ${line.message}`)
}

const variables: Record<string, string> = { CI_COMMIT_REF_SLUG: 'feature-x', CI_DEFAULT_BRANCH: 'main', CI_COMMIT_REF_NAME: 'feature/login' }
const expand = (value: string) => value.replace(/\$([A-Z_]+)/g, (_, name: string) => variables[name] ?? '')

/** Puts an archive holding vendor/marker = content under a key of the local store. */
async function seedCache(store: LocalCacheStore, root: string, key: string, content: string) {
  const source = path.join(root, `seed-${content}`)
  await writeTree(source, { 'vendor/marker': content })
  const { files } = await selectFiles({ projectDir: source, paths: ['vendor'] })
  const staged = await store.stage(key)
  await createZipArchive({ projectDir: source, entries: files, destination: staged.path })
  await staged.commit({ cachekey: key })
}

describe('cache fallback keys', () => {
  it('C-24: tries the primary key, each fallback in order, stops at the first hit and saves only under the primary key', async () => {
    await using tmp = await makeTempDir()
    const store = new LocalCacheStore({ cacheDir: path.join(tmp.path, 'cache'), projectSlug: 'group/project' })
    await seedCache(store, tmp.path, 'deps-base', 'base')
    await seedCache(store, tmp.path, 'deps-global', 'global')
    const projectDir = path.join(tmp.path, 'builds/group/project')
    const entry = spec({ key: 'deps-$CI_COMMIT_REF_SLUG', fallback_keys: ['deps-$CI_DEFAULT_BRANCH', 'deps-base'], paths: ['vendor/'] })
    const common = { spec: entry, jobName: 'build', ref: 'feature-x', expand, fallbackKeyVariable: 'deps-global', store, projectDir }

    const restored = await restoreCacheEntry(common)

    assert.equal(restored.hit?.key, 'deps-base')
    assert.deepEqual(text(restored.lines), [
      'notice: Checking cache for deps-feature-x...',
      'helper-info: No URL provided, cache will not be downloaded from shared cache server. Instead a local version of cache will be extracted.',
      'helper-warning: Cache file does not exist',
      'warning: Failed to extract cache',
      'notice: Checking cache for deps-main...',
      'helper-info: No URL provided, cache will not be downloaded from shared cache server. Instead a local version of cache will be extracted.',
      'helper-warning: Cache file does not exist',
      'warning: Failed to extract cache',
      'notice: Checking cache for deps-base...',
      'helper-info: No URL provided, cache will not be downloaded from shared cache server. Instead a local version of cache will be extracted.',
      'notice: Successfully extracted cache',
    ])
    assert.equal(await readFile(path.join(projectDir, 'vendor/marker'), 'utf8'), 'base')

    await writeTree(projectDir, { 'vendor/marker': 'fresh' })
    const saved = await saveCacheEntry({ ...common, jobStatus: 'success' })
    assert.equal(saved.outcome, 'saved')
    assert.equal(text(saved.lines)[0], 'notice: Creating cache deps-feature-x...')
    assert.equal(text(saved.lines).at(-1), 'notice: Created cache')

    const check = async (key: string) => {
      const dest = path.join(tmp.path, `check-${key}`)
      await extractZipArchive({ archivePath: store.archivePath(key), destinationDir: dest })

      return readFile(path.join(dest, 'vendor/marker'), 'utf8')
    }
    assert.equal(await check('deps-feature-x'), 'fresh')
    assert.equal(await check('deps-base'), 'base')
    assert.deepEqual(JSON.parse(await readFile(path.join(path.dirname(store.archivePath('deps-feature-x')), 'metadata.json'), 'utf8')), {
      cachekey: 'deps-feature-x',
    })
  })

  it('C-24: with no archive under any key, restore reports each miss and the job goes on without a cache', async () => {
    await using tmp = await makeTempDir()
    const store = new LocalCacheStore({ cacheDir: path.join(tmp.path, 'cache'), projectSlug: 'p' })
    const projectDir = path.join(tmp.path, 'project')
    const result = await restoreCacheEntry({
      spec: spec({ key: 'deps-$CI_COMMIT_REF_SLUG', fallback_keys: ['deps-base'], paths: ['vendor/'] }),
      jobName: 'build',
      ref: 'main',
      expand,
      store,
      projectDir,
    })

    assert.equal(result.hit, undefined)
    assert.equal(text(result.lines).filter((line) => line === 'warning: Failed to extract cache').length, 2)
    await assert.rejects(stat(path.join(projectDir, 'vendor')), { code: 'ENOENT' })
  })

  it('refuses a CACHE_FALLBACK_KEY ending in -protected and protected fallbacks for an unprotected ref', () => {
    const keys = resolveCacheKeys({
      spec: spec({ key: 'deps-non_protected', fallback_keys: ['main-protected', 'base-non_protected', 'deps-non_protected'], paths: ['v'] }),
      jobName: 'j',
      ref: 'r',
      expand,
      fallbackKeyVariable: 'x-protected. ',
    })

    assert.deepEqual(keys.restoreKeys.map((key) => key.key), ['deps-non_protected', 'base-non_protected'])
    assert.deepEqual(text(keys.lines), [
      'warning: fallback key "main-protected" not allowed to end in "-protected" for an unprotected ref',
      'warning: CACHE_FALLBACK_KEY "x-protected. " not allowed to end in "-protected"',
    ])

    const protectedRef = resolveCacheKeys({
      spec: spec({ key: 'deps-protected', fallback_keys: ['main-protected'], paths: ['v'] }),
      jobName: 'j',
      ref: 'r',
      expand,
      fallbackKeyVariable: 'x-protected',
    })
    assert.deepEqual(protectedRef.restoreKeys.map((key) => key.key), ['deps-protected', 'main-protected'])
  })

  it('C-12: a key that sanitises to nothing skips restore and save with the official notices', async () => {
    await using tmp = await makeTempDir()
    const store = new LocalCacheStore({ cacheDir: path.join(tmp.path, 'cache'), projectSlug: 'p' })
    await writeTree(tmp.path, { 'project/vendor/a': 'a' })
    const common = { spec: spec({ key: '%2e%2e', paths: ['vendor/'] }), jobName: 'j', ref: 'r', expand, store, projectDir: path.join(tmp.path, 'project') }

    const restored = await restoreCacheEntry(common)
    const saved = await saveCacheEntry({ ...common, jobStatus: 'success' })

    assert.equal(restored.skipped, 'empty-key')
    assert.deepEqual(text(restored.lines), [
      'warning: cache key "%2e%2e" could not be sanitized',
      'notice: Skipping cache extraction due to empty cache key',
    ])
    assert.deepEqual(text(saved.lines), [
      'warning: cache key "%2e%2e" could not be sanitized',
      'notice: Skipping cache archiving due to empty cache key',
    ])
    await assert.rejects(stat(path.join(tmp.path, 'cache')), { code: 'ENOENT' })
  })

  it('C-12: a traversal key is stored under its sanitised name inside the project cache dir', async () => {
    await using tmp = await makeTempDir()
    const cacheDir = path.join(tmp.path, 'cache')
    const store = new LocalCacheStore({ cacheDir, projectSlug: 'group/project' })
    await writeTree(tmp.path, { 'project/vendor/a': 'a' })

    const saved = await saveCacheEntry({
      spec: spec({ key: '../../../../tmp/evil', paths: ['vendor/'] }),
      jobName: 'j',
      ref: 'r',
      expand,
      store,
      projectDir: path.join(tmp.path, 'project'),
      jobStatus: 'success',
    })

    assert.equal(saved.outcome, 'saved')
    assert.equal(saved.warnings[0], 'cache key "../../../../tmp/evil" sanitized to "tmp/evil"')
    assert.ok((await stat(path.join(cacheDir, 'group/project/tmp/evil/cache.zip'))).isFile())
  })
})

describe('cacheActions', () => {
  it('follows policy and when, with the official notices', () => {
    const base = { paths: ['v'] }
    const run = (fields: Record<string, unknown>, jobStatus: 'success' | 'failed' = 'success') =>
      cacheActions({ spec: spec({ ...base, ...fields }), key: 'k', jobStatus })

    assert.deepEqual(run({}), { usable: true, restore: true, save: true })
    assert.deepEqual(run({ policy: 'pull' }), { usable: true, restore: true, save: false, saveNotice: 'Not uploading cache k due to policy' })
    assert.deepEqual(run({ policy: 'push' }), { usable: true, restore: false, save: true, restoreNotice: 'Not downloading cache k due to policy' })
    assert.deepEqual(run({}, 'failed'), { usable: true, restore: true, save: false })
    assert.deepEqual(run({ when: 'on_failure' }, 'failed'), { usable: true, restore: true, save: true })
    assert.deepEqual(run({ when: 'always', policy: 'pull' }, 'failed').saveNotice, 'Not uploading cache k due to policy')
    assert.deepEqual(cacheActions({ spec: spec({ paths: [] }), key: 'k', jobStatus: 'success' }), { usable: false, restore: false, save: false })
    assert.throws(() => run({ policy: 'sometimes' }), { code: 'GLR_CACHE_POLICY', message: 'unknown cache policy sometimes for k' })
  })
})

describe('saveCache', () => {
  it('says the archive is up to date when nothing changed, and warns when there are no files', async () => {
    await using tmp = await makeTempDir()
    const store = new LocalCacheStore({ cacheDir: path.join(tmp.path, 'cache'), projectSlug: 'p' })
    const projectDir = path.join(tmp.path, 'project')
    await writeTree(projectDir, { 'vendor/a': 'a' })
    const key = { key: 'k', storageKey: 'k' }

    assert.equal((await saveCache({ store, key, projectDir, paths: ['vendor'] })).outcome, 'saved')
    const again = await saveCache({ store, key, projectDir, paths: ['vendor'] })
    assert.equal(again.outcome, 'up-to-date')
    assert.ok(text(again.lines).includes('helper-info: Archive is up to date!'))

    await writeTree(projectDir, { 'vendor/a': 'changed size' })
    assert.equal((await saveCache({ store, key, projectDir, paths: ['vendor'] })).outcome, 'saved')

    const empty = await saveCache({ store, key, projectDir, paths: ['nothing'] })
    assert.equal(empty.outcome, 'no-files')
    assert.deepEqual(text(empty.lines).slice(-2), ['helper-warning: No files to cache.', 'notice: Created cache'])
  })

  it('keeps one valid archive equal to one of the writers when several jobs save the same key at once', async () => {
    await using tmp = await makeTempDir()
    const store = new LocalCacheStore({ cacheDir: path.join(tmp.path, 'cache'), projectSlug: 'p' })
    const writers = [0, 1, 2, 3, 4]
    for (const writer of writers) {
      await writeTree(path.join(tmp.path, `job${writer}`), { 'vendor/id': String(writer).repeat(2000 + writer * 500) })
    }

    const results = await Promise.all(
      writers.map((writer) =>
        saveCache({ store, key: { key: 'shared', storageKey: 'shared' }, projectDir: path.join(tmp.path, `job${writer}`), paths: ['vendor'] }),
      ),
    )

    assert.ok(results.every((result) => result.outcome === 'saved'))
    const dest = path.join(tmp.path, 'restored')
    const extracted = await extractZipArchive({ archivePath: store.archivePath('shared'), destinationDir: dest })
    assert.equal(extracted.extractedCount, 2)
    const content = await readFile(path.join(dest, 'vendor/id'), 'utf8')
    assert.ok(writers.some((writer) => content === String(writer).repeat(2000 + writer * 500)))
    // No temp files are left behind.
    assert.deepEqual((await readdir(path.dirname(store.archivePath('shared')))).sort(), ['cache.zip', 'metadata.json'])
  })
})
