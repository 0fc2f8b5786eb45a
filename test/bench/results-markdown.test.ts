import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { renderResultsMarkdown, updatesResultsMarkdown } from '../../bench/lib/results-markdown.js'
import type { FigureRow } from '../../bench/lib/types.js'

const rows: FigureRow[] = [
  {
    id: 'compile',
    title: 'compile a 300-job pipeline',
    unit: 'ms',
    glrunner: { median: 120, min: 110, max: 130, runs: 3 },
    baseline: { name: 'yaml parse only', median: 40, min: 38, max: 45 },
    ratio: 3,
    ratioMin: 2.5,
    ratioMax: 3.4,
    notes: [],
  },
  { id: 'docker', title: 'docker per-job overhead', status: 'not available', reason: 'no Docker Engine' },
]

describe('bench/RESULTS.md', () => {
  it('is replaced only by a full run of every figure', () => {
    assert.equal(updatesResultsMarkdown('full', []), true)
    assert.equal(updatesResultsMarkdown('full', ['compile']), false)
    assert.equal(updatesResultsMarkdown('quick', []), false)
    assert.equal(updatesResultsMarkdown('smoke', []), false)
  })

  it('names the date, commit and machine and shows every figure with its reason when unavailable', () => {
    const text = renderResultsMarkdown({
      path: '/unused',
      startedAt: new Date('2026-12-04T20:00:00Z'),
      durationSeconds: 613,
      commit: 'abc123',
      machine: { nproc: 2, memoryBytes: 24 * 1024 ** 3, cpu: 'Test CPU', platform: 'linux 6', node: 'v20.0.0', loadAverage: [1, 0.5, 0.25] },
      rows,
    })

    assert.match(text, /^# Benchmark results$/m)
    assert.match(text, /date: 2026-12-04T20:00:00\.000Z \(the run took 613 s\)/)
    assert.match(text, /commit: abc123/)
    assert.match(text, /machine: 2 CPUs \(Test CPU\), 24\.0 GiB memory/)
    assert.match(text, /^compile\s+\| 120 \(110–130\)\s+\| 40\.0 \(38\.0–45\.0\)\s+\| 3\.00×/m)
    assert.match(text, /docker: not available: no Docker Engine/)
  })
})
