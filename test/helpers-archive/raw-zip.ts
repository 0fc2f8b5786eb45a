/**
 * Test support: writes zip files byte by byte so tests can build hostile archives that
 * no well-behaved library would produce (absolute names, `../`, symlink entries).
 * Entries are stored uncompressed.
 */
import { writeFile } from 'node:fs/promises'
import zlib from 'node:zlib'

export interface RawZipEntry {
  name: string
  /** File content, or the link target for symlinks. */
  data?: string
  kind?: 'file' | 'directory' | 'symlink'
  /** Permission bits; default 0o644 (files), 0o755 (directories), 0o777 (links). */
  permissions?: number
}

const TYPE_BITS = { file: 0o100000, directory: 0o040000, symlink: 0o120000 } as const
const DEFAULT_PERMISSIONS = { file: 0o644, directory: 0o755, symlink: 0o777 } as const

export function buildRawZip(entries: readonly RawZipEntry[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0

  for (const entry of entries) {
    const kind = entry.kind ?? 'file'
    const name = Buffer.from(entry.name, 'utf8')
    const data = Buffer.from(entry.data ?? '', 'utf8')
    const crc = zlib.crc32(data) >>> 0
    const mode = TYPE_BITS[kind] | (entry.permissions ?? DEFAULT_PERMISSIONS[kind])

    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6) // UTF-8 names
    local.writeUInt16LE(0, 8) // stored
    local.writeUInt32LE(0x21, 10) // 1980-01-01 00:00 DOS
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)

    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE((3 << 8) | 20, 4) // made by unix
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt16LE(0, 10)
    central.writeUInt32LE(0x21, 12)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE((mode << 16) >>> 0, 38)
    central.writeUInt32LE(offset, 42)

    locals.push(local, name, data)
    centrals.push(central, name)
    offset += local.length + name.length + data.length
  }

  const centralDirectory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(centralDirectory.length, 12)
  end.writeUInt32LE(offset, 16)

  return Buffer.concat([...locals, centralDirectory, end])
}

export async function writeRawZip(file: string, entries: readonly RawZipEntry[]): Promise<void> {
  await writeFile(file, buildRawZip(entries))
}
