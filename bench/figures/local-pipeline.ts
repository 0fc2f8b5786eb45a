/**
 * Figure 3a: a 10-job local pipeline (stages, needs, artifacts) with `glrunner exec`, side
 * by side with gitlab-ci-local 4 (shell executor, Node 22, installed once outside the
 * repository) on the same repository, the two alternating which goes first in each pair.
 * A second row keeps the floor: the same ten scripts run one after another by one bash.
 * Both tools run at the same concurrency; each starts from a clean state folder.
 */
import { glrunnerCommand } from '../lib/glrunner-command.js'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { STATE_DIR_NAME } from '../../src/local/state-dir.js'
import { makeRepository } from '../lib/bench-env.js'
import { findGitlabCiLocal, type GitlabCiLocal } from '../lib/gitlab-ci-local.js'
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

/** Jobs at once for both tools (glrunner exec's default; gitlab-ci-local would run all). */
const CONCURRENCY = 2

async function measure(ctx: BenchContext): Promise<FigureRow[]> {
  if (!existsSync(join(ctx.root, 'src/local/run-pipeline.ts'))) return [unavailable(ID, TITLE, 'glrunner exec is not built yet')]
  const runs = ctx.mode === 'full' ? 3 : ctx.mode === 'quick' ? 2 : 1
  const lookup = await findGitlabCiLocal()
  if (!lookup.ok) ctx.log(`${ID}: gitlab-ci-local not available: ${lookup.reason}`)
  const dir = await mkdtemp(join(tmpdir(), 'glrunner-bench-local-'))
  try {
    const repo = join(dir, 'repo')
    await makeRepository(repo, { '.gitlab-ci.yml': localPipelineYaml(), 'README.md': 'local pipeline bench\n' })
    const ours = (): Promise<number> => timeGlrunner(ctx.root, repo)
    const peer = lookup.ok ? (): Promise<number> => timePeer(lookup.peer, repo) : undefined
    const serial = JOBS.map((job) => `(${job.script})`).join(' && ')
    const glrunner: number[] = []
    const peerMs: number[] = []
    const floor: number[] = []
    for (let run = 0; run < runs; run++) {
      // Alternate who goes first, so a busy moment of the shared machine does not always hit one side.
      if (peer && run % 2 === 1) peerMs.push(await peer())
      glrunner.push(await ours())
      if (peer && run % 2 === 0) peerMs.push(await peer())
      const scratch = join(dir, `serial-${run}`)
      floor.push((await timeCommand('bash', ['-c', `mkdir -p '${scratch}' && cd '${scratch}' && ${serial}`])).ms)
    }

    const startUp = `glrunner time includes node start-up (${glrunnerCommand(ctx.root).kind === 'dist' ? 'built dist/' : 'sources through tsx'}); state folders removed before each run`
    const rows: FigureRow[] = [
      lookup.ok
        ? measuredRow({
            id: ID,
            title: TITLE,
            unit: 'ms',
            glrunner,
            baseline: { name: `gitlab-ci-local ${lookup.peer.version} (shell executor, Node 22, offline through unshare -rn)`, values: peerMs },
            notes: [`${CONCURRENCY} jobs at once for both; the two alternate which runs first`, startUp],
          })
        : unavailable(ID, TITLE, lookup.reason),
      measuredRow({
        id: `${ID}-floor`,
        title: `${TITLE}, against the bare scripts`,
        unit: 'ms',
        glrunner,
        baseline: { name: 'the ten scripts in one bash, one after another', values: floor },
        notes: [`glrunner runs ${CONCURRENCY} jobs at once`, startUp],
      }),
    ]

    return rows
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function timeGlrunner(root: string, repo: string): Promise<number> {
  await rm(join(repo, STATE_DIR_NAME), { recursive: true, force: true })
  const cli = [...glrunnerCommand(root).nodeArgs, 'exec', '--cwd', repo, '--concurrency', String(CONCURRENCY)]

  return (await timeCommand(process.execPath, cli, { cwd: root })).ms
}

/** gitlab-ci-local keeps its state in .gitlab-ci-local and copies artifacts back into the repo (out/). */
async function timePeer(peer: GitlabCiLocal, repo: string): Promise<number> {
  for (const name of ['.gitlab-ci-local', 'out']) await rm(join(repo, name), { recursive: true, force: true })
  // --home: not the user's own ~/.gitlab-ci-local variables.
  const args = [...peer.args, '--cwd', '.', '--home', join(repo, '..', 'peer-home'), '--concurrency', String(CONCURRENCY), '--no-color']

  return (await timeCommand(peer.command, args, { cwd: repo })).ms
}

export const localPipelineFigure: Figure = { id: 'local', title: TITLE, run: measure }
