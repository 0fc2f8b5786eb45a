/**
 * Figure 1: job pickup latency — job enqueued in the coordinator → first trace byte at the
 * coordinator — for a runner whose job requests are long-polled and for one that asks every
 * check_interval. Both runners run side by side, one coordinator each, and every pair of
 * jobs is enqueued at the same moment. The baseline is what polling alone costs: with jobs
 * arriving at random, the wait is uniform between 0 and check_interval (median half of it).
 */
import type { JobRecord } from '../../src/coordinator/index.js'
import { expectSuccess, PROJECT_PATH, sleepMs, startBenchEnv, type BenchEnv } from '../lib/bench-env.js'
import { RunnerProcess } from '../lib/runner-process.js'
import { percentile } from '../lib/stats.js'
import type { BenchContext, Figure, FigureRow, MeasuredRow } from '../lib/types.js'

interface Sample {
  firstTraceMs: number
  pickedMs: number
}

/** Enqueues one trivial job and times it up to the first trace byte and to its pickup. */
async function timeOneJob(env: BenchEnv): Promise<Sample> {
  const { coordinator } = env
  let firstTraceAt: number | undefined
  let jobId = -1
  const onTrace = (job: JobRecord): void => {
    if (job.id === jobId && firstTraceAt === undefined) firstTraceAt = Date.now()
  }
  coordinator.events.on('trace', onTrace)
  try {
    const enqueued = coordinator.enqueueJob({ project: PROJECT_PATH, script: ['true'], variables: [{ key: 'GIT_STRATEGY', value: 'none' }] })
    jobId = enqueued.id
    const record = expectSuccess(await coordinator.waitForJob(jobId, { timeoutMs: 60_000 }))
    const traced = firstTraceAt ?? record.finishedAt ?? Date.now()

    return { firstTraceMs: traced - record.enqueuedAt, pickedMs: (record.pickedAt ?? traced) - record.enqueuedAt }
  } finally {
    coordinator.events.off('trace', onTrace)
  }
}

function rowsFor(o: { mode: 'longpoll' | 'poll'; samples: Sample[]; checkIntervalSeconds: number; longPollSeconds: number }): MeasuredRow[] {
  const first = o.samples.map((sample) => sample.firstTraceMs)
  const picked = o.samples.map((sample) => sample.pickedMs)
  const intervalMs = o.checkIntervalSeconds * 1000
  const how = o.mode === 'longpoll' ? `long polling (${o.longPollSeconds} s holds), check_interval ${o.checkIntervalSeconds} s` : `no long polling, check_interval ${o.checkIntervalSeconds} s`
  const notes = [
    how,
    `picked up (job request answered) p50 ${percentile(picked, 50).toFixed(0)} ms, p99 ${percentile(picked, 99).toFixed(0)} ms`,
    'a `true` job with GIT_STRATEGY=none; its first trace byte arrives with the final trace flush, so it includes running the job',
  ]
  const rows: MeasuredRow[] = []
  for (const p of [50, 99]) {
    const expectedMs = (intervalMs * p) / 100
    const value = percentile(first, p)
    rows.push({
      id: `pickup-${o.mode}-p${p}`,
      title: `pickup latency p${p}, ${o.mode === 'longpoll' ? 'long polling' : 'polling'} (enqueue → first trace byte)`,
      unit: 'ms',
      // Each job is one run; the value is the percentile, min–max the whole range.
      glrunner: { median: value, min: Math.min(...first), max: Math.max(...first), runs: first.length },
      baseline: { name: `polling every ${o.checkIntervalSeconds} s, uniform arrival: expected p${p} wait`, median: expectedMs, min: 0, max: intervalMs },
      // The baseline is a constant, so the pairwise ratio is simply value over it.
      ratio: value / expectedMs,
      ratioMin: Math.min(...first) / expectedMs,
      ratioMax: Math.max(...first) / expectedMs,
      notes,
    })
  }

  return rows
}

async function measure(ctx: BenchContext): Promise<FigureRow[]> {
  const jobs = ctx.mode === 'full' ? 200 : ctx.mode === 'quick' ? 20 : 3
  // Each pair waits one to two intervals (below): with 3 s the full run alone would take
  // over 20 minutes, and the figure is the ratio to the interval anyway.
  const checkIntervalSeconds = 1
  const longPollSeconds = 50
  const longPollEnv = await startBenchEnv({ longPollSeconds })
  const pollEnv = await startBenchEnv({ longPollSeconds: 0 })
  const runners: RunnerProcess[] = []
  try {
    const started = await Promise.allSettled([longPollEnv, pollEnv].map((env) =>
      RunnerProcess.start({ root: ctx.root, coordinator: env.coordinator, runner: env.runner, buildsDir: env.buildsDir, workDir: env.workDir, checkIntervalSeconds }),
    ))
    for (const result of started) if (result.status === 'fulfilled') runners.push(result.value)
    for (const result of started) if (result.status === 'rejected') throw result.reason
    // One untimed job each: the first clone and first script pay for cold caches.
    await Promise.all([timeOneJob(longPollEnv), timeOneJob(pollEnv)])
    const longPoll: Sample[] = []
    const poll: Sample[] = []
    for (let index = 0; index < jobs; index++) {
      // A job arrives at a random moment while the runner is idle, as jobs do: after at
      // least one check_interval (a runner that just finished asks again at its next tick,
      // and only then holds a long poll), at a random phase of the next one.
      await sleepMs((1 + Math.random()) * checkIntervalSeconds * 1000)
      const [a, b] = await Promise.all([timeOneJob(longPollEnv), timeOneJob(pollEnv)])
      longPoll.push(a)
      poll.push(b)
      if ((index + 1) % 25 === 0) ctx.log(`pickup: ${index + 1}/${jobs} job pairs`)
    }

    return [
      ...rowsFor({ mode: 'longpoll', samples: longPoll, checkIntervalSeconds, longPollSeconds }),
      ...rowsFor({ mode: 'poll', samples: poll, checkIntervalSeconds, longPollSeconds }),
    ]
  } finally {
    for (const runner of runners) await runner.stop()
    await longPollEnv.close()
    await pollEnv.close()
  }
}

export const pickupLatencyFigure: Figure = { id: 'pickup', title: 'job pickup latency, with and without long polling', run: measure }
