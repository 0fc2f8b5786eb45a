/**
 * Microsecond wall-clock time for timestamp headers. Date has milliseconds only, so the
 * microseconds come from process.hrtime, anchored to Date.now() when the log starts and
 * re-anchored if the two drift more than a second apart (clock adjustments). The result
 * never goes backwards, so headers within one log are ordered. An injected clock (tests)
 * yields its milliseconds followed by `000`.
 */

/** Microseconds since the Unix epoch, non-decreasing. */
export type MicroClock = () => number

export function createMicroClock(now?: () => Date): MicroClock {
  if (now !== undefined) return () => now().getTime() * 1000

  let anchorMicros = Date.now() * 1000
  let anchorHr = process.hrtime.bigint()
  let last = 0

  return () => {
    let micros = anchorMicros + Number((process.hrtime.bigint() - anchorHr) / 1000n)
    const wall = Date.now() * 1000
    if (Math.abs(micros - wall) > 1_000_000) {
      anchorMicros = wall
      anchorHr = process.hrtime.bigint()
      micros = wall
    }
    last = Math.max(last, micros)

    return last
  }
}
