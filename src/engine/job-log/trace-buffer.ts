/**
 * The trace buffer: the append-only bytes GitLab receives, read back by offset by the trace
 * uploader. Bytes stay in memory up to `memoryLimitBytes`; past that everything moves to a
 * temp file so a log of hundreds of MB (users raise output_limit) does not need as much RAM.
 * The temp file is unlinked right after it is opened where the OS allows, so a crash leaves
 * nothing behind; dispose() closes it.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32Update, formatCrc32 } from './crc32.js'
import type { WritableTraceStore } from './types.js'

export interface TraceBufferOptions {
  /** Bytes kept in memory before spilling to a temp file (default 16 MiB). */
  memoryLimitBytes?: number
  /** Directory for the spill file (default the OS temp dir). */
  tempDir?: string
}

const BLOCK_BYTES = 64 * 1024
/** Once spilled, appends are gathered up to this size before one write to the file. */
const WRITE_BEHIND_BYTES = 1024 * 1024

interface SpillFile {
  fd: number
  /** Set when the file could not be unlinked while open; removed by dispose(). */
  dir: string | undefined
  /** Bytes already written to the file (always a prefix of the trace). */
  bytes: number
}

/** Creates an empty trace buffer. */
export function createTraceBuffer(options: TraceBufferOptions = {}): WritableTraceStore {
  return new TraceBuffer(options)
}

class TraceBuffer implements WritableTraceStore {
  #size = 0
  #crc = 0
  #disposed = false
  readonly #listeners = new Set<() => void>()
  readonly #memoryLimitBytes: number
  readonly #tempDir: string
  /** Full blocks plus the block being filled; together they hold bytes [#memStart, #size). */
  #blocks: Buffer[] = []
  #fill = 0
  #memStart = 0
  #spill: SpillFile | undefined

  constructor(options: TraceBufferOptions) {
    this.#memoryLimitBytes = options.memoryLimitBytes ?? 16 * 1024 * 1024
    this.#tempDir = options.tempDir ?? tmpdir()
  }

  get size(): number {
    return this.#size
  }

  append(bytes: Buffer): void {
    if (this.#disposed || bytes.length === 0) return
    this.#crc = crc32Update(this.#crc, bytes)
    this.#copyIn(bytes)
    this.#size += bytes.length
    if (this.#spill === undefined && this.#size > this.#memoryLimitBytes) this.#startSpill()
    if (this.#spill !== undefined && this.#size - this.#memStart >= WRITE_BEHIND_BYTES) {
      this.#writeBehind(this.#spill)
    }
    this.#notify()
  }

  read(offset: number, maxBytes: number): Buffer {
    const start = Math.max(0, Math.floor(offset))
    const end = Math.min(this.#size, start + Math.max(0, Math.floor(maxBytes)))
    if (this.#disposed || end <= start) return Buffer.alloc(0)
    const out = Buffer.allocUnsafe(end - start)
    let pos = start
    if (this.#spill !== undefined && pos < this.#memStart) {
      const fileEnd = Math.min(end, this.#memStart)
      let done = 0
      while (pos + done < fileEnd) {
        const got = readSync(this.#spill.fd, out, done, fileEnd - pos - done, pos + done)
        if (got === 0) throw new Error(`trace spill file ended early at ${pos + done}`)
        done += got
      }
      pos = fileEnd
    }
    this.#readMemory(out, pos, end, pos - start)

    return out
  }

  checksum(): string {
    return formatCrc32(this.#crc)
  }

  onAppend(listener: () => void): () => void {
    // A wrapper makes the same function subscribable twice with independent unsubscribes.
    const entry = (): void => listener()
    this.#listeners.add(entry)

    return () => {
      this.#listeners.delete(entry)
    }
  }

  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    this.#blocks = []
    this.#listeners.clear()
    const spill = this.#spill
    this.#spill = undefined
    if (spill === undefined) return
    closeSync(spill.fd)
    if (spill.dir !== undefined) rmSync(spill.dir, { recursive: true, force: true })
  }

  #copyIn(bytes: Buffer): void {
    let from = 0
    while (from < bytes.length) {
      let block = this.#blocks[this.#blocks.length - 1]
      if (block === undefined || this.#fill === block.length) {
        const want = Math.max(BLOCK_BYTES, bytes.length - from)
        block = Buffer.allocUnsafe(want)
        this.#blocks.push(block)
        this.#fill = 0
      }
      const n = Math.min(block.length - this.#fill, bytes.length - from)
      bytes.copy(block, this.#fill, from, from + n)
      this.#fill += n
      from += n
    }
  }

  /** Copies memory bytes [from, to) of the trace into `out` at `outOffset`. */
  #readMemory(out: Buffer, from: number, to: number, outOffset: number): void {
    let blockStart = this.#memStart
    let written = outOffset
    const last = this.#blocks.length - 1
    for (let i = 0; i <= last && from < to; i++) {
      const block = this.#blocks[i] as Buffer
      const used = i === last ? this.#fill : block.length
      const blockEnd = blockStart + used
      if (blockEnd > from) {
        const s = from - blockStart
        const e = Math.min(used, to - blockStart)
        block.copy(out, written, s, e)
        written += e - s
        from += e - s
      }
      blockStart = blockEnd
    }
  }

  #startSpill(): void {
    const dir = mkdtempSync(join(this.#tempDir, 'glrunner-trace-'))
    const path = join(dir, 'trace.log')
    const fd = openSync(path, 'w+', 0o600)
    let keepDir: string | undefined
    try {
      unlinkSync(path)
      rmSync(dir, { recursive: true, force: true })
    } catch {
      keepDir = dir
    }
    this.#spill = { fd, dir: keepDir, bytes: 0 }
  }

  /** Moves every in-memory byte to the spill file. */
  #writeBehind(spill: SpillFile): void {
    const last = this.#blocks.length - 1
    for (let i = 0; i <= last; i++) {
      const block = this.#blocks[i] as Buffer
      const used = i === last ? this.#fill : block.length
      let done = 0
      while (done < used) done += writeSync(spill.fd, block, done, used - done, spill.bytes + done)
      spill.bytes += used
    }
    // Keep the last block for further small appends; it is empty now.
    const keep = this.#blocks[last]
    this.#blocks = keep !== undefined && keep.length === BLOCK_BYTES ? [keep] : []
    this.#fill = 0
    this.#memStart = this.#size
  }

  #notify(): void {
    let failure: unknown
    for (const listener of [...this.#listeners]) {
      try {
        listener()
      } catch (err) {
        failure ??= err
      }
    }
    // Every listener ran; the first failure still reaches the writer (a bug in a listener).
    if (failure !== undefined) throw failure
  }
}
