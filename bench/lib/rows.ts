/** Builds result rows from raw per-run values. */
import { pairRatios, spread } from './stats.js'
import type { MeasuredRow, UnavailableRow } from './types.js'

export interface RowInput {
  id: string
  title: string
  unit: string
  glrunner: number[]
  /** Extra numbers shown with glrunner's value (p99, ...). */
  extra?: Record<string, number>
  baseline?: { name: string; values: number[] }
  notes?: string[]
}

export function measuredRow(input: RowInput): MeasuredRow {
  const ours = spread(input.glrunner)
  const base = input.baseline ? spread(input.baseline.values) : undefined
  const ratios = input.baseline ? pairRatios(input.glrunner, input.baseline.values) : []
  const ratio = ratios.length > 0 ? spread(ratios) : undefined

  return {
    id: input.id,
    title: input.title,
    unit: input.unit,
    glrunner: { ...ours, ...input.extra },
    baseline: input.baseline && base ? { name: input.baseline.name, median: base.median, min: base.min, max: base.max } : null,
    ratio: ratio?.median ?? null,
    ratioMin: ratio?.min ?? null,
    ratioMax: ratio?.max ?? null,
    notes: input.notes ?? [],
  }
}

export function unavailable(id: string, title: string, reason: string): UnavailableRow {
  return { id, title, status: 'not available', reason }
}
