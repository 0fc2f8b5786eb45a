/**
 * Figure 7: docker executor per-job overhead vs `docker run --rm IMAGE true`. Reports why
 * it is not available until a docker executor is registered and an engine answers.
 */
import { spawnSync } from 'node:child_process'
import { getExecutorProvider } from '../../src/executors/registry.js'
import { unavailable } from '../lib/rows.js'
import type { Figure, FigureRow } from '../lib/types.js'

const ID = 'docker-overhead'
const TITLE = 'per-job overhead, docker executor'

async function measure(): Promise<FigureRow[]> {
  if (getExecutorProvider('docker') === undefined) return [unavailable(ID, TITLE, 'no docker executor yet')]
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 10_000 })
  if (info.status !== 0) return [unavailable(ID, TITLE, `no docker engine answers (${(info.stderr || info.error?.message || '').trim().split('\n')[0]})`)]

  // TODO(#7): a docker executor exists now: time a `true` job with image alpine against
  // `docker run --rm alpine true`, alternating, as job-overhead.ts does for the shell.
  return [unavailable(ID, TITLE, 'the docker executor exists but this figure is not written yet (bench/figures/docker-executor.ts)')]
}

export const dockerExecutorFigure: Figure = { id: 'docker', title: TITLE, run: measure }
