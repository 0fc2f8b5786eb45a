/**
 * FF_TIMESTAMPS: every line of the log gets a 32-byte header
 * `YYYY-MM-DDTHH:MM:SS.ffffffZ SSt ` + line type (` ` new line, `+` continuation).
 *
 * Lines are written as they arrive (a partial line is not held back): the header goes out
 * with the first byte of a line, stamped with that moment. A line becomes a continuation
 * (`+`) when it was split:
 * - after 8 KiB without a newline (cut on a UTF-8 boundary, `\n` added);
 * - at a `\r` not followed by `\n` (progress output: `\r` kept, `\n` added); `\r\n` is an
 *   ordinary line end, also when the `\n` arrives in the next write;
 * - when another stream writes while this one has a partial line open, or the stream is
 *   flushed (`\n` added, so entries of two streams never share a physical line).
 */
import type { MicroClock } from './clock.js'

/** Content bytes of one line entry before it is split into a continuation. */
export const TIMESTAMP_LINE_LIMIT_BYTES = 8 * 1024
export const TIMESTAMP_HEADER_BYTES = 32

const NL = Buffer.from('\n')

/** Per-stream line state. */
export class TimestampedStream {
  lineOpen = false
  lineBytes = 0
  continuation = false
  /** A `\r` ended the last write; a `\n` starting the next one completes that line. */
  swallowLf = false
  readonly #tags: [Buffer, Buffer]

  constructor(streamId: number, type: 'O' | 'E') {
    const tag = ` ${(streamId & 0xff).toString(16).padStart(2, '0')}${type}`
    this.#tags = [Buffer.from(`${tag} `, 'latin1'), Buffer.from(`${tag}+`, 'latin1')]
  }

  /** The 5 bytes after the time: ` 01O ` or ` 01O+`. */
  tagBytes(continuation: boolean): Buffer {
    return this.#tags[continuation ? 1 : 0]
  }
}

export class Timestamper {
  readonly #clock: MicroClock
  #open: TimestampedStream | undefined
  #cachedMicros = -1
  #cachedStamp = Buffer.alloc(27)

  constructor(clock: MicroClock) {
    this.#clock = clock
  }

  /** `2026-05-20T10:15:30.123456Z 01O ` + line type, as bytes. */
  header(stream: TimestampedStream, continuation: boolean): Buffer {
    return Buffer.concat([this.#stamp(), stream.tagBytes(continuation)])
  }

  /** Ends the partial line of whichever stream has one open. */
  closeOpenLine(out: Buffer[]): void {
    const open = this.#open
    this.#open = undefined
    if (open === undefined || !open.lineOpen) return
    out.push(NL)
    open.lineOpen = false
    open.continuation = true
  }

  /** Ends this stream's partial line, if it has one open. */
  closeLineOf(stream: TimestampedStream, out: Buffer[]): void {
    if (this.#open === stream) this.closeOpenLine(out)
  }

  /** One complete entry (a section marker): header + bytes + `\n`. */
  entry(stream: TimestampedStream, bytes: Buffer, out: Buffer[]): void {
    this.closeOpenLine(out)
    out.push(this.header(stream, false), bytes, NL)
  }

  /**
   * Adds headers to a stream's bytes; pushes the result onto `out`. Every line of one write
   * carries the same time: the bytes arrived together, and reading the clock once per write
   * instead of per line keeps short-line output fast.
   */
  lines(stream: TimestampedStream, bytes: Buffer, out: Buffer[]): void {
    const n = bytes.length
    if (n === 0) return
    let pos = 0
    if (stream.swallowLf) {
      stream.swallowLf = false
      if (bytes[0] === 0x0a) {
        stream.continuation = false
        pos = 1
      }
    }
    if (pos === n) return
    if (this.#open !== undefined && this.#open !== stream) this.closeOpenLine(out)

    const stamp = this.#stamp()
    const headers = [Buffer.concat([stamp, stream.tagBytes(false)]), Buffer.concat([stamp, stream.tagBytes(true)])]
    const b = new ByteBuilder(n + (n >> 1) + 2 * TIMESTAMP_HEADER_BYTES)
    // Next `\n` / `\r` at or after pos; searched again only once passed (linear overall).
    let nextLf = -1
    let nextCr = -1
    while (pos < n) {
      if (!stream.lineOpen) {
        b.append(headers[stream.continuation ? 1 : 0] as Buffer, 0, TIMESTAMP_HEADER_BYTES)
        stream.lineOpen = true
        stream.lineBytes = 0
        stream.continuation = false
        this.#open = stream
      }
      if (nextLf !== n && nextLf < pos) nextLf = indexOrEnd(bytes, 0x0a, pos)
      if (nextCr !== n && nextCr < pos) nextCr = indexOrEnd(bytes, 0x0d, pos)
      const stop = Math.min(nextLf, nextCr)
      const room = TIMESTAMP_LINE_LIMIT_BYTES - stream.lineBytes

      if (stop - pos < room && stop < n) {
        pos = this.#endLine(stream, bytes, pos, stop, b)
      } else if (n - pos < room) {
        b.append(bytes, pos, n)
        stream.lineBytes += n - pos
        pos = n
      } else {
        pos = this.#splitLong(stream, bytes, pos, room, b)
      }
    }
    out.push(b.take())
  }

  /** 27 bytes `YYYY-MM-DDTHH:MM:SS.ffffffZ` for the current time. */
  #stamp(): Buffer {
    const micros = this.#clock()
    if (micros !== this.#cachedMicros) {
      this.#cachedMicros = micros
      const second = Math.floor(micros / 1_000_000)
      const iso = new Date(second * 1000).toISOString().slice(0, 20)
      const fraction = String(micros - second * 1_000_000).padStart(6, '0')
      this.#cachedStamp = Buffer.from(`${iso}${fraction}Z`, 'latin1')
    }

    return this.#cachedStamp
  }

  /** The line ends at `stop` (a `\n` or `\r`); returns where the next one starts. */
  #endLine(stream: TimestampedStream, bytes: Buffer, pos: number, stop: number, b: ByteBuilder): number {
    const endsWithLf = bytes[stop] === 0x0a || bytes[stop + 1] === 0x0a
    const next = bytes[stop] === 0x0a ? stop + 1 : bytes[stop + 1] === 0x0a ? stop + 2 : stop + 1
    b.append(bytes, pos, next)
    stream.lineOpen = false
    this.#open = undefined
    if (endsWithLf) return next

    // A lone `\r`: the entry ends here, the rest of the line is a continuation.
    b.appendByte(0x0a)
    stream.continuation = true
    stream.swallowLf = next === bytes.length

    return next
  }

  /** 8 KiB without a line end: cut (UTF-8 safe), end with `\n`, continue with `+`. */
  #splitLong(stream: TimestampedStream, bytes: Buffer, pos: number, room: number, b: ByteBuilder): number {
    let cut = pos + room
    // Back up over continuation bytes so a character is not split between two entries.
    let back = cut
    while (back > pos && cut - back < 3 && ((bytes[back] as number) & 0xc0) === 0x80) back--
    if (back > pos && back < cut && (bytes[back] as number) >= 0xc0) cut = back
    b.append(bytes, pos, cut)
    b.appendByte(0x0a)
    stream.lineOpen = false
    stream.continuation = true
    this.#open = undefined

    return cut
  }
}

/** A growable output buffer: one copy per piece instead of one Buffer object per piece. */
class ByteBuilder {
  #buf: Buffer
  #length = 0

  constructor(capacity: number) {
    this.#buf = Buffer.allocUnsafe(capacity)
  }

  append(src: Buffer, start: number, end: number): void {
    const len = end - start
    this.#ensure(len)
    src.copy(this.#buf, this.#length, start, end)
    this.#length += len
  }

  appendByte(byte: number): void {
    this.#ensure(1)
    this.#buf[this.#length++] = byte
  }

  take(): Buffer {
    return this.#buf.subarray(0, this.#length)
  }

  #ensure(extra: number): void {
    if (this.#length + extra <= this.#buf.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#length + extra))
    this.#buf.copy(grown, 0, 0, this.#length)
    this.#buf = grown
  }
}

function indexOrEnd(bytes: Buffer, byte: number, from: number): number {
  const at = bytes.indexOf(byte, from)

  return at < 0 ? bytes.length : at
}
