/** bench/results/latest.json: every row plus when, where and at which commit it ran. */
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { dirname } from 'node:path'
import { isUnavailable, type BenchMode, type FigureRow } from './types.js'

export function commit(root: string): string {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: 'pipe' }).toString().trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, stdio: 'pipe' }).toString().trim() !== ''

    return dirty ? `${sha}+dirty` : sha
  } catch {
    return 'unknown'
  }
}

export function machine(): { nproc: number; memoryBytes: number; cpu: string; platform: string; node: string; loadAverage: number[] } {
  return {
    nproc: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    loadAverage: os.loadavg(),
  }
}

/**
 * Each row keeps the harness's fields (id, title, unit, glrunner, baseline, ratio, notes)
 * and the flat ones (name, value, available, reason) so either reader works.
 */
export function toJson(row: FigureRow): Record<string, unknown> {
  if (isUnavailable(row)) return { ...row, name: row.title, available: false }

  return { ...row, name: row.title, value: row.glrunner.median, available: true }
}

export async function writeResults(o: { path: string; root: string; mode: BenchMode; startedAt: Date; rows: readonly FigureRow[] }): Promise<void> {
  const body = {
    date: o.startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - o.startedAt.getTime()) / 1000),
    mode: o.mode,
    machine: machine(),
    commit: commit(o.root),
    figures: o.rows.map(toJson),
  }
  await mkdir(dirname(o.path), { recursive: true })
  await writeFile(o.path, `${JSON.stringify(body, null, 2)}\n`)
}
