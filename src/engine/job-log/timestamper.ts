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
  readonly tag: string

  constructor(streamId: number, type: 'O' | 'E') {
    this.tag = ` ${(streamId & 0xff).toString(16).padStart(2, '0')}${type}`
  }
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0')
}

export class Timestamper {
  readonly #clock: MicroClock
  #open: TimestampedStream | undefined
  #cachedSecond = -1
  #cachedPrefix = ''

  constructor(clock: MicroClock) {
    this.#clock = clock
  }

  /** `2026-05-20T10:15:30.123456Z 01O ` + line type, as bytes. */
  header(stream: TimestampedStream, continuation: boolean): Buffer {
    const micros = this.#clock()
    const second = Math.floor(micros / 1_000_000)
    if (second !== this.#cachedSecond) {
      this.#cachedSecond = second
      this.#cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20)
    }
    const fraction = pad(micros - second * 1_000_000, 6)

    return Buffer.from(
      `${this.#cachedPrefix}${fraction}Z${stream.tag}${continuation ? '+' : ' '}`,
      'latin1',
    )
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

  /** Adds headers to a stream's bytes; pushes the pieces to write onto `out`. */
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
    if (this.#open !== undefined && this.#open !== stream) this.closeOpenLine(out)

    // Next `\n` / `\r` at or after pos; searched again only once passed (linear overall).
    let nextLf = -1
    let nextCr = -1
    while (pos < n) {
      if (!stream.lineOpen) {
        out.push(this.header(stream, stream.continuation))
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
        pos = this.#endLine(stream, bytes, pos, stop, out)
      } else if (n - pos < room) {
        out.push(bytes.subarray(pos))
        stream.lineBytes += n - pos
        pos = n
      } else {
        pos = this.#splitLong(stream, bytes, pos, room, out)
      }
    }
  }

  /** The line ends at `stop` (a `\n` or `\r`); returns where the next one starts. */
  #endLine(stream: TimestampedStream, bytes: Buffer, pos: number, stop: number, out: Buffer[]): number {
    const endsWithLf = bytes[stop] === 0x0a || bytes[stop + 1] === 0x0a
    const next = bytes[stop] === 0x0a ? stop + 1 : bytes[stop + 1] === 0x0a ? stop + 2 : stop + 1
    out.push(bytes.subarray(pos, next))
    stream.lineOpen = false
    this.#open = undefined
    if (endsWithLf) return next

    // A lone `\r`: the entry ends here, the rest of the line is a continuation.
    out.push(NL)
    stream.continuation = true
    stream.swallowLf = next === bytes.length

    return next
  }

  /** 8 KiB without a line end: cut (UTF-8 safe), end with `\n`, continue with `+`. */
  #splitLong(stream: TimestampedStream, bytes: Buffer, pos: number, room: number, out: Buffer[]): number {
    let cut = pos + room
    // Back up over continuation bytes so a character is not split between two entries.
    let back = cut
    while (back > pos && cut - back < 3 && ((bytes[back] as number) & 0xc0) === 0x80) back--
    if (back > pos && back < cut && (bytes[back] as number) >= 0xc0) cut = back
    out.push(bytes.subarray(pos, cut), NL)
    stream.lineOpen = false
    stream.continuation = true
    this.#open = undefined

    return cut
  }
}

function indexOrEnd(bytes: Buffer, byte: number, from: number): number {
  const at = bytes.indexOf(byte, from)

  return at < 0 ? bytes.length : at
}
