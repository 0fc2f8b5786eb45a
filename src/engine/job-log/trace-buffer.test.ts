import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { crc32Update, formatCrc32 } from './crc32.js'
import { createTraceBuffer } from './trace-buffer.js'

const tempDir = mkdtempSync(join(tmpdir(), 'trace-buffer-test-'))
after(() => rmSync(tempDir, { recursive: true, force: true }))

function pattern(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length)
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed * 7) & 0xff

  return bytes
}

describe('trace buffer', () => {
  it('stores appended bytes, reads them by offset and checksums them', () => {
    const trace = createTraceBuffer()
    trace.append(Buffer.from('hel'))
    trace.append(Buffer.from('lo\n'))
    assert.equal(trace.size, 6)
    assert.equal(trace.checksum(), 'crc32:363a3020')
    assert.equal(trace.read(0, 100).toString(), 'hello\n')
    assert.equal(trace.read(2, 3).toString(), 'llo')
    assert.equal(trace.read(6, 10).length, 0)
    assert.equal(trace.read(60, 10).length, 0)
    trace.dispose()
  })

  it('copies appended bytes, so a caller reusing its buffer does not change the trace', () => {
    const trace = createTraceBuffer()
    const chunk = Buffer.from('abc')
    trace.append(chunk)
    chunk.write('xyz')
    assert.equal(trace.read(0, 3).toString(), 'abc')
  })

  it('spills to a temp file past the memory limit and reads across file and memory', () => {
    const trace = createTraceBuffer({ memoryLimitBytes: 100_000, tempDir })
    const chunks = Array.from({ length: 60 }, (_, i) => pattern(1000 + i * 997, i))
    for (const chunk of chunks) trace.append(chunk)
    const all = Buffer.concat(chunks)
    assert.equal(trace.size, all.length)
    assert.equal(trace.checksum(), formatCrc32(crc32Update(0, all)))
    for (const [offset, max] of [[0, 10], [99_990, 50], [1_048_000, 2000], [all.length - 5, 100], [12_345, 1_500_000]] as const) {
      assert.deepEqual(trace.read(offset, max), all.subarray(offset, offset + max), `read ${offset}+${max}`)
    }
    assert.deepEqual(trace.read(0, all.length), all)
    // The spill file is unlinked while open: nothing is left in the temp dir.
    assert.deepEqual(readdirSync(tempDir), [])
    trace.dispose()
    trace.dispose()
    assert.equal(trace.read(0, 10).length, 0)
  })

  it('notifies listeners after every append until they unsubscribe', () => {
    const trace = createTraceBuffer()
    const seen: number[] = []
    const stop = trace.onAppend(() => seen.push(trace.size))
    trace.append(Buffer.from('ab'))
    trace.append(Buffer.alloc(0))
    trace.append(Buffer.from('c'))
    stop()
    trace.append(Buffer.from('d'))
    assert.deepEqual(seen, [2, 3])
  })
})
