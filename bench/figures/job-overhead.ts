/**
 * Figure 2: per-job overhead of the shell executor. A `true` job end to end through
 * coordinator, manager and engine (job request answered → final update accepted),
 * against `bash -c true` plus `git clone` of the same repository from the same coordinator
 * (git over HTTP with a job token). Both sides clone: the job runs with GIT_STRATEGY=clone.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { holdRunningJob, runJob, startBenchEnv } from '../lib/bench-env.js'
import { measuredRow } from '../lib/rows.js'
import { RunnerProcess } from '../lib/runner-process.js'
import { percentile } from '../lib/stats.js'
import { timeCommand } from '../lib/timed-command.js'
import type { BenchContext, Figure, FigureRow } from '../lib/types.js'

async function measure(ctx: BenchContext): Promise<FigureRow[]> {
  const runs = ctx.mode === 'full' ? 20 : ctx.mode === 'quick' ? 5 : 2
  const env = await startBenchEnv({ longPollSeconds: 0 })
  let runner: RunnerProcess | undefined
  try {
    runner = await RunnerProcess.start({ root: ctx.root, coordinator: env.coordinator, runner: env.runner, buildsDir: env.buildsDir, workDir: env.workDir, checkIntervalSeconds: 0.2 })
    const { repoUrl, depth } = await holdRunningJob(env)
    const spec = { script: ['true'], variables: [{ key: 'GIT_STRATEGY', value: 'clone' }] }
    const baseline = async (index: number): Promise<number> => {
      const dir = join(env.workDir, `clone-${index}`)
      const bash = await timeCommand('bash', ['-c', 'true'])
      const clone = await timeCommand('git', ['clone', '-q', '--depth', String(depth), repoUrl, dir])
      await rm(dir, { recursive: true, force: true })

      return bash.ms + clone.ms
    }
    // Untimed warm-up of both sides.
    await runJob(env, spec)
    await baseline(-1)

    const ours: number[] = []
    const endToEnd: number[] = []
    const theirs: number[] = []
    for (let run = 0; run < runs; run++) {
      const record = await runJob(env, spec)
      ours.push((record.finishedAt ?? Date.now()) - (record.pickedAt ?? record.enqueuedAt))
      endToEnd.push((record.finishedAt ?? Date.now()) - record.enqueuedAt)
      theirs.push(await baseline(run))
    }

    return [
      measuredRow({
        id: 'overhead-shell',
        title: 'per-job time of a `true` job, shell executor (picked → final update)',
        unit: 'ms',
        glrunner: ours,
        baseline: { name: `bash -c true + git clone --depth ${depth} over HTTP from the coordinator`, values: theirs },
        notes: [
          `GIT_STRATEGY=clone; enqueue → final p50 ${percentile(endToEnd, 50).toFixed(0)} ms with check_interval 0.2 s`,
          'the runner is a separate `glrunner run-single` process (built dist/, or tsx when not built)',
        ],
      }),
    ]
  } finally {
    await runner?.stop()
    await env.close()
  }
}

export const jobOverheadFigure: Figure = { id: 'overhead', title: 'per-job overhead, shell executor', run: measure }
