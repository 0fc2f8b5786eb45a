import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { GITLAB_FAILURE_REASONS } from '../../src/coordinator/index.js'
import { listZipEntries } from '../../src/helpers/archive/index.js'
import { LocalCacheStore, saveCache } from '../../src/helpers/cache/index.js'
import { PROJECT_PATH, startWorld, vars, type World } from './engine-artifacts-harness.js'

const VENDOR = { paths: ['vendor/'], policy: 'pull-push', when: 'on_success' }

describe('cache through whole jobs with the real engine and the shell executor', () => {
  let world: World
  const archive = (key: string) => join(world.cacheDir, PROJECT_PATH, key, 'cache.zip')

  before(async () => {
    world = await startWorld()
  })
  after(async () => {
    await world.close()
  })

  /** Stores `vendor/marker` = `content` under `key`, as an earlier job would have. */
  async function seed(key: string, content: string): Promise<void> {
    const dir = await mkdtemp(join(world.scratchDir, 'seed-'))
    await mkdir(join(dir, 'vendor'))
    await writeFile(join(dir, 'vendor', 'marker'), `${content}\n`)
    const store = new LocalCacheStore({ cacheDir: world.cacheDir, projectSlug: PROJECT_PATH })
    const saved = await saveCache({ store, key: { key, storageKey: key }, projectDir: dir, paths: ['vendor/'] })
    assert.equal(saved.outcome, 'saved')
  }

  it('saves the cache in one job and restores it in the next one with the same key', async () => {
    const cache = [{ key: 'deps-$CI_COMMIT_REF_SLUG', ...VENDOR }]
    const first = await world.run({ name: 'save', script: ['mkdir -p vendor', 'echo saved-by-first > vendor/dep.txt'], cache })
    assert.equal(first.record.state, 'success', first.text)
    assert.match(first.text, /^Saving cache for successful job\nCreating cache deps-main\.\.\.\n/m)
    assert.match(first.text, /^Created cache$/m)
    assert.ok(existsSync(archive('deps-main')), 'the archive is at <cache_dir>/<slug>/<key>/cache.zip')
    assert.deepEqual(JSON.parse(readFileSync(join(world.cacheDir, PROJECT_PATH, 'deps-main', 'metadata.json'), 'utf8')), { cachekey: 'deps-main' })

    // git clean removes vendor/ (untracked) before the second job: only the cache brings it back.
    const second = await world.run({ name: 'restore', script: ['cat vendor/dep.txt'], cache })
    assert.equal(second.record.state, 'success', second.text)
    assert.match(second.text, /Removing vendor\//)
    assert.match(second.text, /Checking cache for deps-main\.\.\.\n[^\n]*\nSuccessfully extracted cache\n/)
    assert.match(second.text, /\$ cat vendor\/dep.txt\nsaved-by-first\n/)
    assert.match(second.text, /Archive is up to date!/)
  })

  it('tries the fallback keys in order, stops at the first hit and saves only under the primary key (C-24)', async () => {
    await seed('deps-base', 'base')
    await seed('deps-global', 'global')
    const baseBefore = await stat(archive('deps-base'))
    const { record, text } = await world.run({
      name: 'fallbacks',
      variables: vars({ BRANCH_SLUG: 'feature-x', CACHE_FALLBACK_KEY: 'deps-global' }),
      cache: [{ key: 'deps-$BRANCH_SLUG', fallback_keys: ['deps-$CI_DEFAULT_BRANCH-none', 'deps-base'], ...VENDOR }],
      script: ['cat vendor/marker', 'echo fresh > vendor/marker'],
    })
    assert.equal(record.state, 'success', text)
    const checked = [...text.matchAll(/^Checking cache for (\S+)\.\.\.$/gm)].map((match) => match[1])
    assert.deepEqual(checked, ['deps-feature-x', 'deps-main-none', 'deps-base'])
    assert.equal(text.match(/WARNING: Failed to extract cache/g)?.length, 2)
    assert.match(text, /\$ cat vendor\/marker\nbase\n/)

    const saved = await listZipEntries(archive('deps-feature-x'))
    assert.deepEqual(saved.map((entry) => entry.path).sort(), ['vendor', 'vendor/marker'])
    assert.equal((await stat(archive('deps-base'))).mtimeMs, baseBefore.mtimeMs, 'the fallback archive is untouched')
    assert.equal(existsSync(archive('deps-main-none')), false)
  })

  it('runs without a cache when no key has an archive, and still succeeds', async () => {
    const { record, text } = await world.run({
      name: 'cold',
      cache: [{ key: 'never-saved', fallback_keys: ['never-either'], paths: ['vendor/'], policy: 'pull', when: 'on_success' }],
      script: ['test ! -e vendor'],
    })
    assert.equal(record.state, 'success', text)
    assert.match(text, /Checking cache for never-saved\.\.\.[\s\S]*Checking cache for never-either\.\.\.[\s\S]*WARNING: Failed to extract cache\n/)
  })

  it('does not save with policy pull and prints the policy notice', async () => {
    const { record, text } = await world.run({
      name: 'pull-only',
      cache: [{ key: 'pull-only-key', paths: ['vendor/'], policy: 'pull', when: 'on_success' }],
      script: ['mkdir -p vendor', 'echo x > vendor/x'],
    })
    assert.equal(record.state, 'success', text)
    assert.match(text, /^Saving cache for successful job\nNot uploading cache pull-only-key due to policy\n/m)
    assert.equal(existsSync(archive('pull-only-key')), false)
  })

  it('saves a when: on_failure cache only after a failed job, in archive_cache_on_failure', async () => {
    const cache = [{ key: 'failure-cache', paths: ['vendor/'], policy: 'pull-push', when: 'on_failure' }]
    const passed = await world.run({ name: 'passes', cache, script: ['mkdir -p vendor', 'echo ok > vendor/x'] })
    assert.equal(passed.record.state, 'success', passed.text)
    assert.doesNotMatch(passed.text, /Saving cache/)
    assert.equal(existsSync(archive('failure-cache')), false)

    const failed = await world.run({ name: 'fails', cache, script: ['mkdir -p vendor', 'echo bad > vendor/x', 'exit 1'] })
    assert.equal(failed.record.state, 'failed')
    assert.match(failed.text, /^Saving cache for failed job\nCreating cache failure-cache\.\.\.\n/m)
    assert.ok(existsSync(archive('failure-cache')))
    assert.match(failed.text, /ERROR: Job failed: exit status 1/)
  })

  it('sanitises hostile keys and keeps every archive inside the cache dir (C-12)', async () => {
    const keys = ['build/$REF_NAME', '../../../../tmp/evil', 'deps%2Fv2', 'win\\path\\key  ', '%2e%2e']
    const { record, text } = await world.run({
      name: 'keys',
      variables: vars({ REF_NAME: 'feature/login' }),
      cache: keys.map((key) => ({ key, ...VENDOR })),
      script: ['mkdir -p vendor', 'echo k > vendor/k'],
    })
    assert.equal(record.state, 'success', text)
    for (const key of ['build/feature/login', 'tmp/evil', 'deps/v2', 'win/path/key']) {
      assert.ok(existsSync(archive(key)), `archive for ${key}`)
    }
    assert.match(text, /WARNING: cache key "\.\.\/\.\.\/\.\.\/\.\.\/tmp\/evil" sanitized to "tmp\/evil"/)
    assert.match(text, /WARNING: cache key "%2e%2e" could not be sanitized/)
    assert.match(text, /Skipping cache extraction due to empty cache key/)
    assert.match(text, /Skipping cache archiving due to empty cache key/)
    assert.equal(existsSync(resolve(world.cacheDir, PROJECT_PATH, '../../../../tmp/evil')), false)
    assert.equal(existsSync(resolve(world.cacheDir, '..', 'tmp', 'evil')), false)
  })

  it('fails the job with runner_configuration_error for an unknown cache policy', async () => {
    const { record, text } = await world.run({
      name: 'bad-policy',
      // A GitLab that knows the reason; older ones get script_failure through the compatibility map.
      features: { failure_reasons: [...GITLAB_FAILURE_REASONS, 'runner_configuration_error'] },
      cache: [{ key: 'bad', paths: ['vendor/'], policy: 'sometimes', when: 'on_success' }],
      script: ['echo should-not-run'],
    })
    assert.equal(record.state, 'failed')
    assert.equal(record.reportedFailureReason, 'runner_configuration_error')
    assert.match(text, /ERROR: Job failed: unknown cache policy sometimes for bad/)
    assert.doesNotMatch(text, /should-not-run/)
  })

  it('stores entries uncompressed with CACHE_COMPRESSION_LEVEL=fastest', async () => {
    const { record, text } = await world.run({
      name: 'fastest',
      variables: vars({ CACHE_COMPRESSION_LEVEL: 'fastest' }),
      cache: [{ key: 'fastest', ...VENDOR }],
      script: ['mkdir -p vendor', 'head -c 50000 /dev/zero > vendor/big'],
    })
    assert.equal(record.state, 'success', text)
    assert.ok((await readFile(archive('fastest'))).length > 50_000, 'stored, not deflated')
  })
})
