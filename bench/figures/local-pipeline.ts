/**
 * Figure 3a: a 10-job local pipeline (stages, needs, artifacts) with `glrunner exec`.
 * The peer is gitlab-ci-local on the same repository; it needs Node 22 and is not
 * installed here, so the baseline measured is the floor: the same ten scripts run one
 * after another by one bash. `glrunner exec` time includes starting node + tsx.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { STATE_DIR_NAME } from '../../src/local/state-dir.js'
import { makeRepository } from '../lib/bench-env.js'
import { measuredRow, unavailable } from '../lib/rows.js'
import { timeCommand } from '../lib/timed-command.js'
import type { BenchContext, Figure, FigureRow } from '../lib/types.js'

const ID = 'local-pipeline'
const TITLE = '10-job local pipeline (stages, needs, artifacts), glrunner exec'

interface LocalJob {
  name: string
  stage: string
  script: string
  needs?: string[]
  artifacts?: string
}

const JOBS: LocalJob[] = [
  { name: 'build-a', stage: 'build', script: 'mkdir -p out && echo a > out/a.txt', artifacts: 'out/' },
  { name: 'build-b', stage: 'build', script: 'mkdir -p out && echo b > out/b.txt', artifacts: 'out/' },
  ...[1, 2, 3].map((index) => ({ name: `test-a${index}`, stage: 'test', script: 'test -f out/a.txt', needs: ['build-a'] })),
  ...[1, 2, 3].map((index) => ({ name: `test-b${index}`, stage: 'test', script: 'test -f out/b.txt', needs: ['build-b'] })),
  { name: 'deploy-a', stage: 'deploy', script: 'echo deploy a', needs: ['test-a1', 'test-a2', 'test-a3'] },
  { name: 'deploy-b', stage: 'deploy', script: 'echo deploy b', needs: ['test-b1', 'test-b2', 'test-b3'] },
]

export function localPipelineYaml(): string {
  const lines = ['stages: [build, test, deploy]']
  for (const job of JOBS) {
    lines.push(`${job.name}:`, `  stage: ${job.stage}`, `  script: [${JSON.stringify(job.script)}]`)
    if (job.needs) lines.push(`  needs: [${job.needs.join(', ')}]`)
    if (job.artifacts) lines.push(`  artifacts: { paths: [${job.artifacts}] }`)
  }

  return `${lines.join('\n')}\n`
}

async function measure(ctx: BenchContext): Promise<FigureRow[]> {
  if (!existsSync(join(ctx.root, 'src/local/run-pipeline.ts'))) return [unavailable(ID, TITLE, 'glrunner exec is not built yet')]
  const runs = ctx.mode === 'full' ? 3 : 1
  const dir = await mkdtemp(join(tmpdir(), 'glrunner-bench-local-'))
  try {
    const repo = join(dir, 'repo')
    await makeRepository(repo, { '.gitlab-ci.yml': localPipelineYaml(), 'README.md': 'local pipeline bench\n' })
    const cli = ['--import', 'tsx', join(ctx.root, 'src/cli/main.ts'), 'exec', '--cwd', repo]
    const serial = JOBS.map((job) => `(${job.script})`).join(' && ')
    const ours: number[] = []
    const floor: number[] = []
    for (let run = 0; run < runs; run++) {
      await rm(join(repo, STATE_DIR_NAME), { recursive: true, force: true })
      ours.push((await timeCommand(process.execPath, cli, { cwd: ctx.root })).ms)
      const scratch = join(dir, `serial-${run}`)
      floor.push((await timeCommand('bash', ['-c', `mkdir -p '${scratch}' && cd '${scratch}' && ${serial}`])).ms)
    }

    return [
      measuredRow({
        id: ID,
        title: TITLE,
        unit: 'ms',
        glrunner: ours,
        baseline: { name: 'the ten scripts in one bash, one after another', values: floor },
        notes: ['gitlab-ci-local not measured: not installed (4.75 needs Node 22)', 'glrunner time includes node + tsx start-up and the .glrunner state folder removed before each run'],
      }),
    ]
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export const localPipelineFigure: Figure = { id: 'local', title: TITLE, run: measure }
