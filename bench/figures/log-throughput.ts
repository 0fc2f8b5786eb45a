/**
 * Figure 4: log throughput. A job `cat`s a generated file of X MiB holding 20 masked
 * values; the runner masks it and streams it to the coordinator. MiB/s is file size over
 * job request answered → final update accepted, peak RSS is the runner process's VmHWM for
 * that job. The baseline is `cat` of the same file to /dev/null. A second row runs the job
 * log alone in-process (bench/log-throughput.ts) against appending to a trace buffer.
 */
import { randomBytes } from 'node:crypto'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { runLogThroughput } from '../log-throughput.js'
import { BenchError } from '../lib/bench-error.js'
import { runJob, startBenchEnv } from '../lib/bench-env.js'
import { measuredRow } from '../lib/rows.js'
import { RunnerProcess } from '../lib/runner-process.js'
import { timeCommandWithUsage } from '../lib/timed-command.js'
import type { BenchContext, Figure, FigureRow } from '../lib/types.js'

const MiB = 1024 * 1024

/** Writes `megabytes` MiB of log-like lines with a secret every 40 lines or so. */
async function writeLogFile(path: string, megabytes: number, secrets: string[]): Promise<number> {
  const variants: Buffer[] = []
  let seed = 7
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff

    return seed % n
  }
  const words = ['compiling', 'src/module.ts', 'ok', 'warning:', 'test', 'passed', '[INFO]', '\x1b[32;1mdone\x1b[0m', '0.123s', 'é€']
  for (let variant = 0; variant < 8; variant++) {
    let text = ''
    while (text.length < MiB) {
      for (let word = 4 + next(10); word > 0; word--) text += `${words[next(words.length)]} `
      if (next(40) === 0) text += `token=${secrets[next(secrets.length)]}`
      text += '\n'
    }
    variants.push(Buffer.from(text.slice(0, MiB - 1) + '\n'))
  }
  const file = await open(path, 'w')
  let bytes = 0
  try {
    for (let index = 0; index < megabytes; index++) {
      const chunk = variants[index % variants.length] as Buffer
      await file.write(chunk)
      bytes += chunk.length
    }
  } finally {
    await file.close()
  }

  return bytes
}

async function throughRunner(ctx: BenchContext, megabytes: number, runs: number): Promise<FigureRow[]> {
  const env = await startBenchEnv({ longPollSeconds: 0 })
  let runner: RunnerProcess | undefined
  try {
    const secrets = Array.from({ length: 20 }, () => `Zq9-${randomBytes(12).toString('base64url')}`)
    const logPath = join(env.workDir, 'output.log')
    const bytes = await writeLogFile(logPath, megabytes, secrets)
    runner = await RunnerProcess.start({
      root: ctx.root, coordinator: env.coordinator, runner: env.runner, buildsDir: env.buildsDir, workDir: env.workDir,
      checkIntervalSeconds: 0.2, outputLimitKiB: Math.ceil(bytes / 1024) + 4096,
    })
    const variables = secrets.map((value, index) => ({ key: `SECRET_${index}`, value, masked: true }))
    const ours: number[] = []
    const rss: number[] = []
    const cat: number[] = []
    const catRss: number[] = []
    let leaked = 0
    for (let run = 0; run < runs; run++) {
      const peakReset = runner.resetPeak()
      const record = await runJob(env, { script: [`cat '${logPath}'`], variables }, 600_000)
      const seconds = ((record.finishedAt ?? Date.now()) - (record.pickedAt ?? record.enqueuedAt)) / 1000
      ours.push(bytes / MiB / seconds)
      rss.push(runner.stats().peakRssBytes / MiB)
      if (!peakReset) throw new BenchError('the kernel does not allow resetting VmHWM (clear_refs), so per-job peak RSS cannot be read')
      if (record.traceLength < bytes) throw new BenchError(`the coordinator got ${record.traceLength} trace bytes, fewer than the ${bytes} printed`)
      const trace = record.trace
      leaked += secrets.filter((secret) => trace.includes(secret)).length
      // The coordinator keeps every trace in memory; drop this one before the next run.
      record.truncateTrace(0)

      const baseline = await timeCommandWithUsage('bash', ['-c', `cat '${logPath}' > /dev/null`])
      cat.push(bytes / MiB / (baseline.ms / 1000))
      catRss.push((baseline.peakRssKiB ?? Number.NaN) / 1024)
    }
    const notes = [`${(bytes / MiB).toFixed(0)} MiB with 20 masked values`, leaked === 0 ? 'no masked value reached the coordinator' : `WARNING: masked values reached the coordinator ${leaked} times`]

    return [
      measuredRow({ id: 'logs-throughput', title: 'job log throughput, runner → coordinator', unit: 'MiB/s', glrunner: ours, baseline: { name: 'cat of the same file > /dev/null', values: cat }, notes }),
      measuredRow({ id: 'logs-peak-rss', title: 'runner peak RSS while streaming the log', unit: 'MiB', glrunner: rss, baseline: { name: 'peak RSS of bash -c cat', values: catRss }, notes: ['runner VmHWM reset before each job (includes Node start-up; tsx too when dist/ is not built)'] }),
    ]
  } finally {
    await runner?.stop()
    await env.close()
  }
}

function inProcess(megabytes: number, runs: number): FigureRow {
  const jobLog: number[] = []
  const append: number[] = []
  for (let run = 0; run < runs; run++) {
    const result = runLogThroughput({ megabytes })
    jobLog.push(result.jobLogMBps)
    append.push(result.traceAppendMBps)
  }

  return measuredRow({
    id: 'logs-masking-in-process',
    title: 'job log (20 masked values, token prefixes) in-process',
    unit: 'MiB/s',
    glrunner: jobLog,
    baseline: { name: 'appending the same bytes to a trace buffer (copy + CRC-32)', values: append },
    notes: [`${megabytes} MiB through createJobLog in the harness process (bench/log-throughput.ts)`],
  })
}

async function measure(ctx: BenchContext): Promise<FigureRow[]> {
  const megabytes = ctx.mode === 'full' ? 500 : ctx.mode === 'quick' ? 40 : 4
  const runs = ctx.mode === 'full' ? 3 : 2

  return [...(await throughRunner(ctx, megabytes, runs)), inProcess(Math.max(4, megabytes / 5), runs)]
}

export const logThroughputFigure: Figure = { id: 'logs', title: 'log throughput with masking', run: measure }
