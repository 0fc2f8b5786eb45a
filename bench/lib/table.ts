/** The printed table: one line per row, notes and reasons below it. */
import { isUnavailable, type FigureRow } from './types.js'

/** Three significant digits, plain notation for everything a person reads here. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  const abs = Math.abs(value)
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  if (abs >= 1) return value.toFixed(2)

  return value.toPrecision(2)
}

function withRange(median: number, min: number, max: number): string {
  return `${formatNumber(median)} (${formatNumber(min)}–${formatNumber(max)})`
}

export function renderTable(rows: readonly FigureRow[]): string {
  const header = ['figure', 'glrunner median (min–max)', 'baseline median (min–max)', 'ratio', 'unit', 'runs']
  const lines: string[][] = [header]
  const footnotes: string[] = []
  for (const row of rows) {
    if (isUnavailable(row)) {
      lines.push([row.id, 'not available', '', '', '', ''])
      footnotes.push(`${row.id}: not available: ${row.reason}`)
      continue
    }
    const ours = row.glrunner
    const extras = Object.entries(ours)
      .filter(([key]) => !['median', 'min', 'max', 'runs'].includes(key))
      .map(([key, value]) => `${key} ${formatNumber(value)}`)
    lines.push([
      row.id,
      withRange(ours.median, ours.min, ours.max) + (extras.length > 0 ? `, ${extras.join(', ')}` : ''),
      row.baseline ? withRange(row.baseline.median, row.baseline.min, row.baseline.max) : '—',
      row.ratio === null ? '—' : `${formatNumber(row.ratio)}×`,
      row.unit,
      String(ours.runs),
    ])
    const baseline = row.baseline ? `baseline: ${row.baseline.name}` : 'no baseline'
    footnotes.push(`${row.id}: ${row.title}; ${baseline}${row.notes.length > 0 ? `; ${row.notes.join('; ')}` : ''}`)
  }
  const widths = header.map((_, column) => Math.max(...lines.map((line) => (line[column] ?? '').length)))
  const render = (line: string[]): string => line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ').trimEnd()
  const rule = widths.map((width) => '-'.repeat(width)).join('-|-')

  return [render(header), rule, ...lines.slice(1).map(render), '', ...footnotes.map((note) => `  ${note}`)].join('\n')
}
