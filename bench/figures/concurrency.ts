/**
 * Figure 5: concurrency and idle weight. First the runner idles, polling every
 * check_interval: its RSS and CPU per window. Then N jobs of `sleep S` are enqueued at
 * once with --limit N (= concurrent): wall time until all are final, the runner's own CPU
 * seconds and peak RSS. The baseline starts N `bash -c "sleep S"` at once from one shell.
 */
import type { JobRecord } from '../../src/coordinator/index.js'
import { BenchError } from '../lib/bench-error.js'
import { PROJECT_PATH, sleepMs, startBenchEnv, type BenchEnv } from '../lib/bench-env.js'
import { measuredRow } from '../lib/rows.js'
import { RunnerProcess } from '../lib/runner-process.js'
import { timeCommandWithUsage } from '../lib/timed-command.js'
import type { BenchContext, Figure, FigureRow } from '../lib/types.js'

const MiB = 1024 * 1024

interface Sizes {
  jobs: number
  sleepSeconds: number
  runs: number
  idleWindows: number
  idleWindowSeconds: number
  checkIntervalSeconds: number
}

function sizes(ctx: BenchContext): Sizes {
  if (ctx.mode === 'full') return { jobs: 100, sleepSeconds: 5, runs: 2, idleWindows: 6, idleWindowSeconds: 10, checkIntervalSeconds: 3 }
  if (ctx.mode === 'quick') return { jobs: 20, sleepSeconds: 2, runs: 1, idleWindows: 2, idleWindowSeconds: 5, checkIntervalSeconds: 3 }

  return { jobs: 3, sleepSeconds: 1, runs: 1, idleWindows: 1, idleWindowSeconds: 2, checkIntervalSeconds: 1 }
}

/** Enqueues `count` jobs at once and resolves with their records once all are final. */
async function runBatch(env: BenchEnv, count: number, script: string): Promise<JobRecord[]> {
  const { coordinator } = env
  const pending = new Set<number>()
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new BenchError(`${pending.size} of ${count} jobs were not final after 300 s`)), 300_000)
    const onState = (job: JobRecord): void => {
      if (!job.final || !pending.delete(job.id) || pending.size > 0) return
      clearTimeout(timer)
      coordinator.events.off('job-state', onState)
      resolve()
    }
    coordinator.events.on('job-state', onState)
  })
  const ids = Array.from({ length: count }, () => coordinator.enqueueJob({ project: PROJECT_PATH, script: [script] }).id)
  for (const id of ids) pending.add(id)
  await done
  const records = ids.map((id) => coordinator.job(id) as JobRecord)
  const failed = records.filter((record) => record.state !== 'success')
  if (failed.length > 0) throw new BenchError(`${failed.length} of ${count} jobs did not succeed (first: job ${failed[0]?.id} ${failed[0]?.state})`)

  return records
}

async function measure(ctx: BenchContext): Promise<FigureRow[]> {
  const s = sizes(ctx)
  const env = await startBenchEnv({ longPollSeconds: 0 })
  let runner: RunnerProcess | undefined
  try {
    runner = await RunnerProcess.start({ root: ctx.root, coordinator: env.coordinator, runner: env.runner, buildsDir: env.buildsDir, workDir: env.workDir, checkIntervalSeconds: s.checkIntervalSeconds, limit: s.jobs })

    const idleRss: number[] = []
    const idleCpu: number[] = []
    for (let window = 0; window < s.idleWindows; window++) {
      const before = runner.stats()
      await sleepMs(s.idleWindowSeconds * 1000)
      const after = runner.stats()
      idleRss.push(after.rssBytes / MiB)
      idleCpu.push(((after.cpuSeconds - before.cpuSeconds) / s.idleWindowSeconds) * 60)
    }
    const idleRequests = env.coordinator.requests.filter((request) => request.endpoint === 'request').length

    const wall: number[] = []
    const cpu: number[] = []
    const peak: number[] = []
    const rssBefore: number[] = []
    const baseWall: number[] = []
    const baseCpu: number[] = []
    const script = `sleep ${s.sleepSeconds}`
    for (let run = 0; run < s.runs; run++) {
      if (!runner.resetPeak()) throw new BenchError('the kernel does not allow resetting VmHWM (clear_refs)')
      const before = runner.stats()
      rssBefore.push(before.rssBytes / MiB)
      const records = await runBatch(env, s.jobs, script)
      const after = runner.stats()
      const firstEnqueued = Math.min(...records.map((record) => record.enqueuedAt))
      const lastFinished = Math.max(...records.map((record) => record.finishedAt ?? Date.now()))
      wall.push((lastFinished - firstEnqueued) / 1000)
      cpu.push(after.cpuSeconds - before.cpuSeconds)
      peak.push(after.peakRssBytes / MiB)

      const baseline = await timeCommandWithUsage('bash', ['-c', `for i in $(seq ${s.jobs}); do bash -c '${script}' & done; wait`])
      baseWall.push(baseline.ms / 1000)
      baseCpu.push(baseline.cpuSeconds ?? Number.NaN)
      // Let the builds dirs and sockets settle before the next round.
      await sleepMs(500)
    }
    const label = `${s.jobs} × \`${script}\``
    const noPeer = 'no peer measured (gitlab-runner is not installed here)'

    return [
      measuredRow({ id: 'concurrency-wall', title: `${label} with concurrent=${s.jobs}: first enqueued → last final`, unit: 's', glrunner: wall, baseline: { name: `${label} started at once by bash`, values: baseWall }, notes: [`check_interval ${s.checkIntervalSeconds} s, no long polling; the first pickup waits for a tick`] }),
      measuredRow({ id: 'concurrency-cpu', title: `runner CPU seconds for ${label}`, unit: 'CPU s', glrunner: cpu, baseline: { name: `CPU of ${label} themselves (bash, /usr/bin/time)`, values: baseCpu }, notes: ['runner utime+stime only: the job shells it starts are not counted'] }),
      measuredRow({ id: 'concurrency-peak-rss', title: `runner peak RSS during ${label}`, unit: 'MiB', glrunner: peak, baseline: { name: 'the same runner, VmRSS just before the batch', values: rssBefore }, notes: ['VmHWM reset before each batch; includes Node start-up (tsx compiling the sources when dist/ is not built)'] }),
      measuredRow({ id: 'idle-rss', title: `idle runner RSS, polling every ${s.checkIntervalSeconds} s`, unit: 'MiB', glrunner: idleRss, notes: [noPeer, `${s.idleWindows} windows of ${s.idleWindowSeconds} s`] }),
      measuredRow({ id: 'idle-cpu', title: `idle runner CPU, polling every ${s.checkIntervalSeconds} s`, unit: 'CPU s/min', glrunner: idleCpu, notes: [noPeer, `${idleRequests} job requests while idle; ${s.idleWindows} windows of ${s.idleWindowSeconds} s, scaled to a minute`] }),
    ]
  } finally {
    await runner?.stop()
    await env.close()
  }
}

export const concurrencyFigure: Figure = { id: 'concurrency', title: 'concurrent jobs and idle weight', run: measure }
