/**
 * The bench harness end to end on its cheapest figure: it runs, prints the table and
 * writes a results file of the documented shape. No timing is asserted.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)))

interface ResultsFile {
  date: string
  mode: string
  commit: string
  machine: { nproc: number; memoryBytes: number }
  figures: Array<Record<string, unknown>>
}

describe('npm run bench -- --only compile --smoke', () => {
  let dir: string
  let status: number | null
  let stdout: string
  let stderr: string
  let results: ResultsFile

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glrunner-bench-test-'))
    const out = join(dir, 'results', 'latest.json')
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--only', 'compile', '--smoke', '--out', out], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    status = run.status
    stdout = run.stdout
    stderr = run.stderr
    results = JSON.parse(await readFile(out, 'utf8')) as ResultsFile
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('exits 0 and prints a table row for the compile figure', () => {
    assert.equal(status, 0, stderr)
    assert.match(stdout, /^figure\s+\| glrunner median \(min–max\)/m)
    assert.match(stdout, /^compile\s+\| [\d.]+ \([\d.]+–[\d.]+\)\s+\| [\d.]+ \([\d.]+–[\d.]+\)\s+\| [\d.]+×\s+\| ms\s+\| \d+/m)
  })

  it('writes the date, mode, machine, commit and only the selected figure', () => {
    assert.ok(!Number.isNaN(Date.parse(results.date)))
    assert.equal(results.mode, 'smoke')
    assert.ok(results.machine.nproc >= 1)
    assert.ok(results.machine.memoryBytes > 0)
    assert.match(results.commit, /^([0-9a-f]{40}(\+dirty)?|unknown)$/)
    assert.deepEqual(results.figures.map((figure) => figure.id), ['compile'])
  })

  it('gives the figure glrunner and baseline spreads and a ratio consistent with them', () => {
    const figure = results.figures[0] as {
      title: string
      unit: string
      available: boolean
      value: number
      glrunner: { median: number; min: number; max: number; runs: number }
      baseline: { name: string; median: number; min: number; max: number }
      ratio: number
      ratioMin: number
      ratioMax: number
      notes: string[]
    }
    assert.equal(figure.unit, 'ms')
    assert.equal(figure.available, true)
    assert.match(figure.title, /300-job/)
    assert.ok(figure.glrunner.runs >= 1)
    assert.ok(figure.glrunner.min <= figure.glrunner.median && figure.glrunner.median <= figure.glrunner.max)
    assert.ok(figure.baseline.min <= figure.baseline.median && figure.baseline.median <= figure.baseline.max)
    assert.equal(figure.value, figure.glrunner.median)
    assert.ok(figure.baseline.name.length > 0)
    assert.ok(figure.ratioMin <= figure.ratio && figure.ratio <= figure.ratioMax)
    // Pairwise ratios lie between the extreme quotients of the two sides.
    assert.ok(figure.ratio >= figure.glrunner.min / figure.baseline.max && figure.ratio <= figure.glrunner.max / figure.baseline.min)
    assert.ok(Array.isArray(figure.notes))
  })

  it('refuses an unknown figure id with status 2', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--only', 'no-such-figure', '--out', join(dir, 'never.json')], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    assert.equal(run.status, 2)
    assert.match(run.stderr, /unknown figure no-such-figure/)
  })
})
