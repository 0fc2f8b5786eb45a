/**
 * output_limit: the last step before the trace buffer. Bytes are counted after masking and
 * timestamps; the write that crosses the limit is cut at a UTF-8 boundary, the notice is
 * appended, and everything after is dropped (the job itself goes on).
 */
import type { WritableTraceStore } from './types.js'
import { utf8SafeCut } from './utf8.js'

/** The exact notice GitLab users know, appended once when the limit is hit. */
export function outputLimitNotice(limitBytes: number): Buffer {
  return Buffer.from(
    `\n\x1b[33;1mJob's log exceeded limit of ${limitBytes} bytes.\n` +
      'Job execution will continue but no more output will be collected.\x1b[0;m\n',
  )
}

export class OutputLimiter {
  #truncated = false
  readonly #trace: WritableTraceStore
  readonly #limitBytes: number
  readonly #onLimit: ((limitBytes: number) => void) | undefined

  constructor(options: {
    trace: WritableTraceStore
    limitBytes: number
    onLimit?: ((limitBytes: number) => void) | undefined
  }) {
    this.#trace = options.trace
    // Not finite (or NaN) means no limit; a negative one is treated as zero.
    this.#limitBytes = Number.isFinite(options.limitBytes)
      ? Math.max(0, Math.floor(options.limitBytes))
      : Number.POSITIVE_INFINITY
    this.#onLimit = options.onLimit
  }

  get truncated(): boolean {
    return this.#truncated
  }

  /** Appends the pieces as one write (one append to the trace). */
  append(pieces: readonly Buffer[]): void {
    if (this.#truncated) return
    let bytes = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces)
    if (bytes.length === 0) return
    const room = this.#limitBytes - this.#trace.size
    if (bytes.length <= room) {
      this.#trace.append(bytes)

      return
    }
    this.#truncated = true
    const cut = utf8SafeCut(bytes, Math.max(0, room))
    bytes = Buffer.concat([bytes.subarray(0, cut), outputLimitNotice(this.#limitBytes)])
    this.#trace.append(bytes)
    this.#onLimit?.(this.#limitBytes)
  }
}
