import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { hashCacheKey } from '../cache-key.js'
import { cacheObjectName, cacheObjectPrefix } from './cache-object-name.js'

describe('cache object names', () => {
  it('puts per-runner objects under runner/<short token>/project/<id>/<key>', () => {
    const prefix = cacheObjectPrefix({ path: '', shared: false, shortToken: 'AbCdEfGhI', projectId: 42 })

    assert.equal(cacheObjectName(prefix, 'test/main'), 'runner/AbCdEfGhI/project/42/test/main')
  })

  it('puts shared objects under project/<id>/<key>, after Path', () => {
    const prefix = cacheObjectPrefix({ path: 'ci-cache', shared: true, shortToken: 'AbCdEfGhI', projectId: 7 })

    assert.equal(cacheObjectName(prefix, 'deps-1'), 'ci-cache/project/7/deps-1')
  })

  it('ignores leading and trailing slashes in Path', () => {
    const prefix = cacheObjectPrefix({ path: '/ci/cache/', shared: true, shortToken: 'x', projectId: 7 })

    assert.equal(prefix, 'ci/cache/project/7')
  })

  it('fans hashed keys out by their first two hex digits', () => {
    const hash = hashCacheKey('test/main')

    assert.equal(cacheObjectName('project/1', hash, { hashedKeys: true }), `project/1/${hash.slice(0, 2)}/${hash}`)
  })

  it('refuses a key that would leave the project prefix', () => {
    assert.equal(cacheObjectName('project/1', '../2/key'), undefined)
    assert.equal(cacheObjectName('project/1', '..'), undefined)
    assert.equal(cacheObjectName('project/1', ''), undefined)
    assert.equal(cacheObjectName('project/1', 'a/../../1x/key'), undefined)
  })
})
