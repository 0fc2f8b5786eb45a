import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SlotAllocator } from './slot-allocator.js'

describe('SlotAllocator', () => {
  it('hands out the lowest free slot per key and reuses released ones', () => {
    const slots = new SlotAllocator()
    assert.equal(slots.acquire('a'), 0)
    assert.equal(slots.acquire('a'), 1)
    assert.equal(slots.acquire('b'), 0)
    slots.release('a', 0)
    assert.equal(slots.acquire('a'), 0)
    assert.equal(slots.acquire('a'), 2)
  })
})
