/** Shapes shared by the harness and the figure modules. */
import type { Spread } from './stats.js'

export type BenchMode = 'full' | 'quick' | 'smoke'

export interface BenchContext {
  mode: BenchMode
  /** Repository root (where package.json is). */
  root: string
  /** Progress lines for the person watching (stderr). */
  log: (message: string) => void
}

export interface BaselineValue {
  name: string
  median: number
  min: number
  max: number
}

/** A measured row: glrunner's value, the baseline's, and their pairwise ratio. */
export interface MeasuredRow {
  id: string
  title: string
  unit: string
  glrunner: Spread & Record<string, number>
  /** null when no peer is measured for this row (the notes say why). */
  baseline: BaselineValue | null
  /** Median of glrunner/baseline over pairs of one run; null without a baseline. */
  ratio: number | null
  ratioMin: number | null
  ratioMax: number | null
  notes: string[]
}

export interface UnavailableRow {
  id: string
  title: string
  status: 'not available'
  reason: string
}

export type FigureRow = MeasuredRow | UnavailableRow

/** One module under bench/figures/: produces one or more rows. */
export interface Figure {
  /** What `--only` selects. */
  id: string
  title: string
  run: (ctx: BenchContext) => Promise<FigureRow[]>
}

export function isUnavailable(row: FigureRow): row is UnavailableRow {
  return 'status' in row
}
