import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { crc32Update, formatCrc32, portableCrc32Update } from './crc32.js'

/** Bit-by-bit CRC-32 straight from the definition, to check the table-driven one. */
function bitwiseCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const byte of bytes) {
    c ^= byte
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
  }

  return (c ^ 0xffffffff) >>> 0
}

for (const [name, update] of [['crc32Update (native where Node has it)', crc32Update], ['portableCrc32Update', portableCrc32Update]] as const) {
  describe(name, () => {
    it('matches the known zlib checksums', () => {
      assert.equal(formatCrc32(update(0, Buffer.from('hello\n'))), 'crc32:363a3020')
      assert.equal(formatCrc32(update(0, Buffer.from('123456789'))), 'crc32:cbf43926')
      assert.equal(formatCrc32(update(0, Buffer.alloc(0))), 'crc32:00000000')
    })

    it('gives the same checksum incrementally as at once, for any split', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (bytes, cut) => {
          const at = cut % (bytes.length + 1)
          const whole = update(0, bytes)
          assert.equal(update(update(0, bytes.subarray(0, at)), bytes.subarray(at)), whole)
          assert.equal(whole, bitwiseCrc32(bytes))
        }),
      )
    })
  })
}
