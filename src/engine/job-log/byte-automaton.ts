/**
 * An Aho-Corasick automaton over bytes, compiled to a dense transition table so the hot loop
 * of the masking filters is two typed-array loads per byte. Bytes that occur in no pattern
 * share one class, which keeps the table small (states x distinct pattern bytes).
 */

export interface ByteAutomaton {
  /** Byte -> class id; class 0 is "occurs in no pattern". */
  readonly classOf: Uint16Array
  readonly classCount: number
  /** Next state: `delta[state * classCount + class]`. State 0 is the root. */
  readonly delta: Int32Array
  /**
   * Length of the longest suffix of the text read so far that is a proper prefix of some
   * pattern, i.e. how many trailing bytes could still become (the start of) a match that
   * has not ended yet. A complete match that no pattern extends does not count.
   */
  readonly depth: Int32Array
  /** Length of the longest pattern ending at this state (0 when none ends here). */
  readonly matchLen: Int32Array
  /** 1 for each byte that can begin a pattern (both cases when case-insensitive). */
  readonly startSet: Uint8Array
  /** The same bytes as a list, for memchr-style skipping when there are few of them. */
  readonly startBytes: readonly number[]
}

export interface AutomatonOptions {
  /** ASCII letters match regardless of case (patterns are folded to lower case). */
  caseInsensitive?: boolean
}

function fold(byte: number, caseInsensitive: boolean): number {
  return caseInsensitive && byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte
}

/** Builds the automaton; empty patterns are ignored, duplicates are harmless. */
export function buildByteAutomaton(
  patterns: readonly Uint8Array[],
  options: AutomatonOptions = {},
): ByteAutomaton {
  const ci = options.caseInsensitive ?? false
  const classOf = new Uint16Array(256)
  let classCount = 1
  for (const pattern of patterns) {
    for (const raw of pattern) {
      const byte = fold(raw, ci)
      if (classOf[byte] === 0) classOf[byte] = classCount++
    }
  }
  if (ci) for (let b = 0x41; b <= 0x5a; b++) classOf[b] = classOf[b + 0x20] as number

  // Trie with sparse children first; the dense table is filled breadth-first below.
  const children: Map<number, number>[] = [new Map()]
  const depthList: number[] = [0]
  const terminal: number[] = [0]
  for (const pattern of patterns) {
    if (pattern.length === 0) continue
    let state = 0
    for (const raw of pattern) {
      const cls = classOf[fold(raw, ci)] as number
      let next = (children[state] as Map<number, number>).get(cls)
      if (next === undefined) {
        next = children.length
        children.push(new Map())
        depthList.push((depthList[state] as number) + 1)
        terminal.push(0)
        ;(children[state] as Map<number, number>).set(cls, next)
      }
      state = next
    }
    terminal[state] = pattern.length
  }

  const states = children.length
  const delta = new Int32Array(states * classCount)
  const matchLen = new Int32Array(states)
  const fail = new Int32Array(states)
  const queue: number[] = []
  for (const [cls, next] of children[0] as Map<number, number>) {
    delta[cls] = next
    queue.push(next)
  }
  const live = new Int32Array(states)
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head] as number
    const f = fail[state] as number
    matchLen[state] = terminal[state] !== 0 ? (terminal[state] as number) : (matchLen[f] as number)
    const hasChildren = (children[state] as Map<number, number>).size > 0
    live[state] = hasChildren ? (depthList[state] as number) : (live[f] as number)
    const row = state * classCount
    const failRow = f * classCount
    for (let cls = 0; cls < classCount; cls++) {
      const next = (children[state] as Map<number, number>).get(cls)
      if (next === undefined) {
        delta[row + cls] = delta[failRow + cls] as number
      } else {
        delta[row + cls] = next
        fail[next] = delta[failRow + cls] as number
        queue.push(next)
      }
    }
  }

  const startSet = new Uint8Array(256)
  const startBytes: number[] = []
  for (let b = 0; b < 256; b++) {
    if (delta[classOf[b] as number] !== 0) {
      startSet[b] = 1
      startBytes.push(b)
    }
  }

  return { classOf, classCount, delta, depth: live, matchLen, startSet, startBytes }
}
