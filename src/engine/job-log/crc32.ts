/**
 * Incremental CRC-32 (IEEE 802.3, the one zlib and GitLab's trace checksum use). The trace
 * of a long job is checksummed as it grows, so it must keep up with the log's throughput:
 * zlib's native crc32 where Node has it (20.15 and later), else a table-driven
 * slicing-by-8 version in JavaScript, about four times slower.
 */
import * as zlib from 'node:zlib'

type Crc32 = (bytes: Uint8Array, crc: number) => number
const nativeCrc32 = (zlib as { crc32?: Crc32 }).crc32

const TABLES = buildTables()

function buildTables(): Uint32Array {
  const tables = new Uint32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    tables[n] = c >>> 0
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n] as number
    for (let t = 1; t < 8; t++) {
      c = (tables[c & 0xff] as number) ^ (c >>> 8)
      tables[t * 256 + n] = c >>> 0
    }
  }

  return tables
}

/**
 * Continues a CRC-32 over `bytes`. Start with `crc32Update(0, first)`; the result of one
 * call is the `crc` of the next. Returns an unsigned 32-bit value.
 */
export const crc32Update: (crc: number, bytes: Uint8Array) => number =
  nativeCrc32 === undefined ? portableCrc32Update : (crc, bytes) => nativeCrc32(bytes, crc)

/** The JavaScript CRC-32, for Node versions without zlib.crc32 (exported for its tests). */
export function portableCrc32Update(crc: number, bytes: Uint8Array): number {
  const t = TABLES
  let c = ~crc | 0
  let i = 0
  const n = bytes.length
  const end8 = n - (n % 8)
  for (; i < end8; i += 8) {
    const a = c ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24))
    const b = (bytes[i + 4] as number) | ((bytes[i + 5] as number) << 8) |
      ((bytes[i + 6] as number) << 16) | ((bytes[i + 7] as number) << 24)
    c = (t[1792 + (a & 0xff)] as number) ^ (t[1536 + ((a >>> 8) & 0xff)] as number) ^
      (t[1280 + ((a >>> 16) & 0xff)] as number) ^ (t[1024 + (a >>> 24)] as number) ^
      (t[768 + (b & 0xff)] as number) ^ (t[512 + ((b >>> 8) & 0xff)] as number) ^
      (t[256 + ((b >>> 16) & 0xff)] as number) ^ (t[b >>> 24] as number)
  }
  for (; i < n; i++) c = (t[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8)

  return ~c >>> 0
}

/** `crc32:` + 8 lowercase hex digits, the form GitLab expects in the final job update. */
export function formatCrc32(crc: number): string {
  return `crc32:${(crc >>> 0).toString(16).padStart(8, '0')}`
}
