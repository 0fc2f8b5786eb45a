/**
 * bench/RESULTS.md: the latest full run, for people. Written only by a full run of every
 * figure, so a quick or partial run never replaces it with smaller or missing numbers.
 */
import { writeFile } from 'node:fs/promises'
import { renderTable } from './table.js'
import type { BenchMode, FigureRow } from './types.js'

export interface ResultsMarkdownInput {
  path: string
  startedAt: Date
  durationSeconds: number
  commit: string
  machine: { nproc: number; memoryBytes: number; cpu: string; platform: string; node: string; loadAverage: number[] }
  rows: readonly FigureRow[]
}

/** Whether a run may replace RESULTS.md: full mode and no `--only` filter. */
export function updatesResultsMarkdown(mode: BenchMode, only: readonly string[]): boolean {
  return mode === 'full' && only.length === 0
}

export function renderResultsMarkdown(input: ResultsMarkdownInput): string {
  const gib = (input.machine.memoryBytes / 1024 ** 3).toFixed(1)
  const load = input.machine.loadAverage.map((value) => value.toFixed(2)).join(', ')

  return [
    '# Benchmark results',
    '',
    'The latest full `npm run bench`, rewritten by every full run; `bench/results/latest.json`',
    'holds the same figures (and those of any later quick or partial run) for machines.',
    'Ratios are glrunner ÷ baseline, measured pair by pair in the same run: below 1 is faster',
    'than the baseline for times, lighter for memory.',
    '',
    `- date: ${input.startedAt.toISOString()} (the run took ${input.durationSeconds} s)`,
    `- commit: ${input.commit}`,
    `- machine: ${input.machine.nproc} CPUs (${input.machine.cpu}), ${gib} GiB memory, ${input.machine.platform}, Node ${input.machine.node}`,
    `- load average at the end: ${load}`,
    '',
    '```',
    renderTable(input.rows),
    '```',
    '',
  ].join('\n')
}

export async function writeResultsMarkdown(input: ResultsMarkdownInput): Promise<void> {
  await writeFile(input.path, renderResultsMarkdown(input))
}
