/**
 * Figure 7: per-job overhead of the docker executor. A `true` job in the busybox test image
 * end to end through coordinator, runner process (`glrunner run-single --executor docker`)
 * and a real Docker Engine (job picked → final update accepted), against
 * `docker run --rm <same image> true`, in alternating pairs. The job uses GIT_STRATEGY=none,
 * so the difference is what the executor adds: the job network and builds volume, the
 * predefined and build containers, one start per stage, and the cleanup.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { getExecutorProvider } from '../../src/executors/registry.js'
import { runJob, startBenchEnv } from '../lib/bench-env.js'
import { measuredRow, unavailable } from '../lib/rows.js'
import { RunnerProcess } from '../lib/runner-process.js'
import { percentile } from '../lib/stats.js'
import { timeCommand } from '../lib/timed-command.js'
import type { BenchContext, Figure, FigureRow } from '../lib/types.js'

const ID = 'docker-overhead'
const TITLE = 'per-job overhead, docker executor'
/** Built locally by scripts/build-test-images.sh (no registry is assumed). */
const IMAGE = 'glrunner-test/busybox:1'

/** Why the figure cannot run here, or undefined when engine and image are ready. */
function missing(ctx: BenchContext): string | undefined {
  if (getExecutorProvider('docker') === undefined) return 'no docker executor registered'
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 10_000 })
  if (info.status !== 0) return `no docker engine answers (${(info.stderr || info.error?.message || '').trim().split('\n')[0]})`
  if (spawnSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' }).status === 0) return undefined

  ctx.log(`building ${IMAGE} with scripts/build-test-images.sh --busybox-only`)
  const build = spawnSync('bash', [join(ctx.root, 'scripts/build-test-images.sh'), '--busybox-only'], { encoding: 'utf8' })

  return build.status === 0 ? undefined : `image ${IMAGE} missing and could not be built: ${build.stderr.trim().split('\n').at(-1)}`
}

async function measure(ctx: BenchContext): Promise<FigureRow[]> {
  const reason = missing(ctx)
  if (reason !== undefined) return [unavailable(ID, TITLE, reason)]

  const runs = ctx.mode === 'full' ? 20 : ctx.mode === 'quick' ? 5 : 2
  const env = await startBenchEnv({ longPollSeconds: 0 })
  let runner: RunnerProcess | undefined
  try {
    runner = await RunnerProcess.start({
      root: ctx.root, coordinator: env.coordinator, runner: env.runner, buildsDir: '/builds', workDir: env.workDir, checkIntervalSeconds: 0.2, executor: 'docker',
    })
    // The job's own pull policy: run-single has no [runners.docker] table, and no registry is reachable.
    const spec = {
      script: ['true'],
      image: { name: IMAGE, pull_policy: ['if-not-present'] },
      variables: [{ key: 'GIT_STRATEGY', value: 'none' }],
    }
    const baseline = async (): Promise<number> => (await timeCommand('docker', ['run', '--rm', '--label', 'glrunner.bench=1', IMAGE, 'true'])).ms
    // Untimed warm-up of both sides (the first job also imports the host-tools image if needed).
    await runJob(env, spec)
    await baseline()

    const ours: number[] = []
    const endToEnd: number[] = []
    const theirs: number[] = []
    for (let run = 0; run < runs; run++) {
      const record = await runJob(env, spec)
      ours.push((record.finishedAt ?? Date.now()) - (record.pickedAt ?? record.enqueuedAt))
      endToEnd.push((record.finishedAt ?? Date.now()) - record.enqueuedAt)
      theirs.push(await baseline())
    }

    return [
      measuredRow({
        id: ID,
        title: 'per-job time of a `true` job, docker executor (picked → final update)',
        unit: 'ms',
        glrunner: ours,
        baseline: { name: `docker run --rm ${IMAGE} true`, values: theirs },
        notes: [
          `GIT_STRATEGY=none; ${runs} alternating pairs; enqueue → final p50 ${percentile(endToEnd, 50).toFixed(0)} ms with check_interval 0.2 s`,
          'per job: a bridge network, a builds volume, predefined + build containers (one start per stage), cleanup',
          'the runner is a separate `glrunner run-single --executor docker` process (built dist/, or tsx when not built)',
        ],
      }),
    ]
  } finally {
    await runner?.stop()
    await env.close()
  }
}

export const dockerExecutorFigure: Figure = { id: 'docker', title: TITLE, run: measure }
