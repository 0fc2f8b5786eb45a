/** Small statistics helpers: median, nearest-rank percentiles, pairwise ratios. */

export interface Spread {
  median: number
  min: number
  max: number
  runs: number
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))

  return sorted[rank - 1] as number
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)

  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

export function spread(values: readonly number[]): Spread {
  return {
    median: median(values),
    min: values.length === 0 ? Number.NaN : Math.min(...values),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
    runs: values.length,
  }
}

/**
 * Ratios glrunner/baseline taken pair by pair (same run index), so a slow moment of the
 * shared machine hits both sides of a pair rather than one side of the whole figure.
 */
export function pairRatios(glrunner: readonly number[], baseline: readonly number[]): number[] {
  const count = Math.min(glrunner.length, baseline.length)
  const ratios: number[] = []
  for (let index = 0; index < count; index++) {
    const base = baseline[index] as number
    if (base > 0) ratios.push((glrunner[index] as number) / base)
  }

  return ratios
}
