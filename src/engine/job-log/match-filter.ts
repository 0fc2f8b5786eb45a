/**
 * A streaming byte filter built on a ByteAutomaton. It finds, left to right, the leftmost
 * match and at that position the longest pattern, exactly as if the whole text were scanned
 * at once, whatever the chunk boundaries. Only bytes that could still be the start of a match
 * are held back between writes (KMP-style: the automaton's depth says how many); everything
 * before them is released at once.
 *
 * Two ways to act on a match:
 * - `replace`: the match becomes `[MASKED]` (masked variable values);
 * - `keep-then-mask-run`: the match is kept and the run of bytes after it that satisfy
 *   `runBytes` becomes one `[MASKED]` (token prefixes, URL parameters). A run carries over
 *   chunk boundaries without holding anything back: `[MASKED]` is emitted at its first byte.
 */
import type { ByteAutomaton } from './byte-automaton.js'

export const MASKED = Buffer.from('[MASKED]')

export type MatchAction =
  | { kind: 'replace' }
  | { kind: 'keep-then-mask-run'; runBytes: Uint8Array }

const EMPTY = Buffer.alloc(0)

export class MatchFilter {
  #automaton: ByteAutomaton
  readonly #action: MatchAction
  /** Bytes received but not yet released; a candidate match or possible match start. */
  #pending: Buffer = EMPTY
  /** State of the automaton after reading all of #pending. */
  #state = 0
  /** Best match found so far within #pending (start/end offsets), -1 when none. */
  #candStart = -1
  #candEnd = -1
  #inRun = false
  #runMasked = false

  constructor(automaton: ByteAutomaton, action: MatchAction) {
    this.#automaton = automaton
    this.#action = action
  }

  /** Bytes currently held back (for tests and diagnostics). */
  get heldBytes(): number {
    return this.#pending.length
  }

  /**
   * Switches to a new pattern set. Held-back bytes are scanned again with it; bytes already
   * released cannot be recalled.
   */
  setAutomaton(automaton: ByteAutomaton): void {
    this.#automaton = automaton
    const pending = this.#pending
    this.#pending = EMPTY
    this.#state = 0
    this.#candStart = -1
    this.#candEnd = -1
    if (pending.length > 0) this.#pendingPrefix = pending
  }

  /** Bytes to rescan before the next chunk (set by setAutomaton). */
  #pendingPrefix: Buffer = EMPTY

  /** Filters one chunk; returns the bytes that are final. */
  write(chunk: Buffer): Buffer {
    return this.#run(chunk, false)
  }

  /** Releases everything held back: a candidate match is applied, the rest passes as is. */
  flush(): Buffer {
    return this.#run(EMPTY, true)
  }

  #run(chunk: Buffer, final: boolean): Buffer {
    let buf: Buffer
    let i: number
    if (this.#pendingPrefix.length > 0) {
      buf = Buffer.concat([this.#pendingPrefix, chunk])
      this.#pendingPrefix = EMPTY
      i = 0
    } else if (this.#pending.length > 0) {
      buf = Buffer.concat([this.#pending, chunk])
      i = this.#pending.length
    } else {
      buf = chunk
      i = 0
    }
    const { classOf, classCount, delta, depth, matchLen } = this.#automaton
    const runBytes = this.#action.kind === 'keep-then-mask-run' ? this.#action.runBytes : undefined
    const skip = new StartSkipper(this.#automaton, buf)
    const n = buf.length
    const out: Buffer[] = []
    let emitted = 0
    let st = this.#state
    let candStart = this.#candStart
    let candEnd = this.#candEnd
    let inRun = this.#inRun

    for (;;) {
      if (inRun && runBytes !== undefined) {
        let j = i
        while (j < n && runBytes[buf[j] as number] === 1) j++
        if (j > i && !this.#runMasked) {
          out.push(MASKED)
          this.#runMasked = true
        }
        emitted = j
        i = j
        if (j === n) break
        inRun = false
        this.#runMasked = false
        st = 0
      }

      // Hot path: no candidate yet. Skip bytes that cannot start a match, step the
      // automaton over the rest, stop at the first position where a pattern ends.
      if (candStart < 0) {
        while (i < n) {
          if (st === 0) {
            i = skip.next(i)
            if (i >= n) break
          }
          st = delta[st * classCount + (classOf[buf[i] as number] as number)] as number
          i++
          if (matchLen[st] !== 0) break
        }
        if (i >= n && matchLen[st] === 0) break
        candStart = i - (matchLen[st] as number)
        candEnd = i
      } else if (i < n) {
        st = delta[st * classCount + (classOf[buf[i] as number] as number)] as number
        i++
        const len = matchLen[st] as number
        if (len !== 0) {
          const start = i - len
          if (start < candStart || (start === candStart && i > candEnd)) {
            candStart = start
            candEnd = i
          }
        }
      } else if (!final) {
        break
      }

      // No later match can start at or before the candidate: it is the leftmost-longest.
      if (i < n && i - (depth[st] as number) <= candStart) continue
      if (i >= n && !final && i - (depth[st] as number) <= candStart) break

      if (candStart > emitted) out.push(buf.subarray(emitted, candStart))
      if (runBytes === undefined) {
        out.push(MASKED)
      } else {
        out.push(buf.subarray(candStart, candEnd))
        inRun = true
        this.#runMasked = false
      }
      emitted = candEnd
      i = candEnd
      st = 0
      candStart = -1
      candEnd = -1
    }
    this.#inRun = inRun

    // Hold back exactly the bytes a future match could start in (the automaton's depth); an
    // unconfirmed candidate always lies inside them, else it would have been applied above.
    const keepFrom = final || inRun ? n : n - (depth[st] as number)
    if (keepFrom > emitted) out.push(buf.subarray(emitted, keepFrom))
    // Copy what is kept: the caller may reuse its chunk after write() returns.
    this.#pending = keepFrom < n ? Buffer.from(buf.subarray(keepFrom)) : EMPTY
    this.#state = final || inRun ? 0 : st
    this.#candStart = candStart >= 0 ? candStart - keepFrom : -1
    this.#candEnd = candStart >= 0 ? candEnd - keepFrom : -1

    if (out.length === 0) return EMPTY

    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out)
  }
}

/**
 * Finds the next byte that can begin a match. With few such bytes (URL parameters begin
 * with `?` or `&`) it uses Buffer.indexOf, which is memchr and skips most of the output at
 * native speed; otherwise a table lookup per byte.
 */
class StartSkipper {
  readonly #buf: Buffer
  readonly #set: Uint8Array
  readonly #bytes: readonly number[] | undefined
  readonly #nextAt: number[]

  constructor(automaton: ByteAutomaton, buf: Buffer) {
    this.#buf = buf
    this.#set = automaton.startSet
    this.#bytes = automaton.startBytes.length <= 3 ? automaton.startBytes : undefined
    this.#nextAt = this.#bytes === undefined ? [] : this.#bytes.map(() => -1)
  }

  /** The first index >= from holding a possible start byte, or the buffer's length. */
  next(from: number): number {
    const buf = this.#buf
    const n = buf.length
    const bytes = this.#bytes
    if (bytes === undefined) {
      const set = this.#set
      let i = from
      while (i < n && set[buf[i] as number] === 0) i++

      return i
    }
    let best = n
    for (let k = 0; k < bytes.length; k++) {
      let at = this.#nextAt[k] as number
      if (at < from) {
        at = buf.indexOf(bytes[k] as number, from)
        if (at < 0) at = n
        this.#nextAt[k] = at
      }
      if (at < best) best = at
    }

    return best
  }
}
