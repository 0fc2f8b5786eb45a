import assert from 'node:assert/strict'
import path from 'node:path'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { relativeInside } from '../file-selection/glob-path.js'
import { computeCacheKey, hashCacheKey, sanitizeCacheKey } from './cache-key.js'
import { LocalCacheStore } from './local-cache-store.js'

describe('sanitizeCacheKey', () => {
  it('C-12: slashes, traversal, encoded separators, backslashes with trailing blanks and encoded dots', () => {
    const expanded = 'build/$CI_COMMIT_REF_NAME'.replace('$CI_COMMIT_REF_NAME', 'feature/login')
    assert.deepEqual(sanitizeCacheKey(expanded), { ok: true, key: 'build/feature/login' })
    assert.deepEqual(sanitizeCacheKey('../../../../tmp/evil'), {
      ok: true,
      key: 'tmp/evil',
      warning: 'cache key "../../../../tmp/evil" sanitized to "tmp/evil"',
    })
    assert.deepEqual(sanitizeCacheKey('deps%2Fv2'), { ok: true, key: 'deps/v2', warning: 'cache key "deps%2Fv2" sanitized to "deps/v2"' })
    assert.deepEqual(sanitizeCacheKey('win\\path\\key  '), {
      ok: true,
      key: 'win/path/key',
      warning: 'cache key "win\\path\\key  " sanitized to "win/path/key"',
    })
    assert.deepEqual(sanitizeCacheKey('%2e%2e'), { ok: false, warning: 'cache key "%2e%2e" could not be sanitized' })
  })

  it('C-12: every archive path stays inside the project cache dir, and the examples land where expected', () => {
    const store = new LocalCacheStore({ cacheDir: '/cache', projectSlug: 'group/project' })
    const archiveFor = (raw: string) => {
      const sanitized = sanitizeCacheKey(raw)

      return sanitized.ok ? store.archivePath(sanitized.key) : undefined
    }
    assert.equal(archiveFor('build/feature/login'), '/cache/group/project/build/feature/login/cache.zip')
    assert.equal(archiveFor('../../../../tmp/evil'), '/cache/group/project/tmp/evil/cache.zip')
    assert.equal(archiveFor('deps%2Fv2'), '/cache/group/project/deps/v2/cache.zip')
    assert.equal(archiveFor('win\\path\\key  '), '/cache/group/project/win/path/key/cache.zip')
    assert.equal(archiveFor('%2e%2e'), undefined)
  })

  it('matches the spec examples and handles dot-only, blank-only, NUL and very long keys', () => {
    const clean = (raw: string) => {
      const result = sanitizeCacheKey(raw)

      return result.ok ? result.key : undefined
    }
    assert.equal(clean('a/../b'), 'b')
    assert.equal(clean('../../x'), 'x')
    assert.equal(clean('foo%2fbar'), 'foo/bar')
    assert.equal(clean('key  '), 'key')
    assert.equal(clean('a\\b'), 'a/b')
    assert.equal(clean('.'), undefined)
    assert.equal(clean('./.'), undefined)
    assert.equal(clean('   '), undefined)
    assert.equal(clean('a/..  '), undefined)
    assert.equal(clean('a/b/..  /c'), 'a/b/..  /c')
    assert.equal(clean('x\0y'), undefined)
    assert.equal(clean('/abs/key/'), 'abs/key')
    const long = clean('k'.repeat(300))
    assert.ok(long !== undefined && Buffer.byteLength(long) <= 255 && long.startsWith('k'.repeat(200)))
    assert.notEqual(clean('k'.repeat(300)), clean('k'.repeat(301)))
  })

  it('never yields a path outside the cache dir, whatever the key (property)', () => {
    const store = new LocalCacheStore({ cacheDir: '/cache', projectSlug: 'group/project' })
    const piece = fc.constantFrom('..', '.', '/', '\\', '%2f', '%2F', '%2e', '%2E', ' ', '\t', 'a', 'é', '%', '-protected', '')
    const key = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.array(piece, { maxLength: 24 }).map((parts) => parts.join('')))

    fc.assert(
      fc.property(key, (raw) => {
        const sanitized = sanitizeCacheKey(raw)
        if (!sanitized.ok) return
        assert.ok(!sanitized.key.split('/').some((segment) => segment === '..' || segment === '.' || segment === ''))
        const archive = store.archivePath(sanitized.key)
        const relative = relativeInside('/cache/group/project', path.dirname(archive))
        assert.ok(relative !== undefined && relative !== '', `${JSON.stringify(raw)} → ${archive}`)
        // Sanitising is idempotent: a clean key stays as it is.
        assert.deepEqual(sanitizeCacheKey(sanitized.key), { ok: true, key: sanitized.key })
      }),
      { numRuns: 2000 },
    )
  })
})

describe('computeCacheKey', () => {
  it('uses <job name>/<ref> when the key is empty', () => {
    assert.deepEqual(computeCacheKey({ key: '', jobName: 'test', ref: 'main' }), {
      cacheKey: { key: 'test/main', storageKey: 'test/main' },
      warnings: [],
    })
  })

  it('hashes instead of sanitising with FF_HASH_CACHE_KEYS', () => {
    const result = computeCacheKey({ key: '../x', jobName: 'j', ref: 'r', hashKeys: true })
    assert.deepEqual(result, { cacheKey: { key: '../x', storageKey: hashCacheKey('../x') }, warnings: [] })
    assert.match(hashCacheKey('../x'), /^[0-9a-f]{64}$/)
  })
})
