/**
 * Job log throughput: pushes N MB of script output through createJobLog (20 masked values,
 * token prefixes, URL parameters, optionally timestamps) and compares with a baseline that
 * only copies the same bytes (and one that appends them to a trace buffer: copy + CRC-32).
 * Run: node --import tsx bench/log-throughput.ts [megabytes] [--timestamps]
 */
import { randomBytes } from 'node:crypto'
import { createJobLog } from '../src/engine/job-log/job-log.js'
import { createTraceBuffer } from '../src/engine/job-log/trace-buffer.js'
import { SCRIPT_STREAM } from '../src/engine/job-log/types.js'

export interface LogThroughputOptions {
  megabytes: number
  timestamps?: boolean
  maskedValueCount?: number
  chunkBytes?: number
}

export interface LogThroughputResult {
  megabytes: number
  jobLogMBps: number
  copyMBps: number
  traceAppendMBps: number
  peakRssMB: number
  traceBytes: number
}

const WORDS = ['build', 'compiling', 'src/main.ts', 'ok', 'glpat-', 'https://host/x?private_token=',
  'warning:', '[INFO]', '\x1b[32;1m', 'gl', 'tests', 'passed', 'Zq9-', 'k7Q', '0.123s', 'é€']

function makeChunks(secrets: string[], chunkBytes: number, count: number): Buffer[] {
  const chunks: Buffer[] = []
  let seed = 12345
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff

    return seed % n
  }
  for (let c = 0; c < count; c++) {
    let text = ''
    while (text.length < chunkBytes) {
      const words = 4 + next(12)
      for (let w = 0; w < words; w++) text += (WORDS[next(WORDS.length)] as string) + ' '
      if (next(50) === 0) text += secrets[next(secrets.length)] as string
      text += '\n'
    }
    chunks.push(Buffer.from(text).subarray(0, chunkBytes))
  }

  return chunks
}

function mbps(bytes: number, startNs: bigint): number {
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9

  return bytes / (1024 * 1024) / seconds
}

/** Runs the benchmark; all numbers in MiB and MiB/s. */
export function runLogThroughput(options: LogThroughputOptions): LogThroughputResult {
  const chunkBytes = options.chunkBytes ?? 64 * 1024
  const secrets = Array.from({ length: options.maskedValueCount ?? 20 }, (_, i) =>
    `${i % 2 === 0 ? 'Zq9-' : 'k7Q'}${randomBytes(12).toString('base64url')}`,
  )
  const chunks = makeChunks(secrets, chunkBytes, 16)
  const total = Math.ceil((options.megabytes * 1024 * 1024) / chunkBytes)
  const totalBytes = total * chunkBytes

  let rssPeak = process.memoryUsage.rss()
  const sample = (): void => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss())
  }

  const sink = Buffer.allocUnsafe(chunkBytes)
  let start = process.hrtime.bigint()
  for (let i = 0; i < total; i++) (chunks[i % chunks.length] as Buffer).copy(sink)
  const copyMBps = mbps(totalBytes, start)

  const plain = createTraceBuffer()
  start = process.hrtime.bigint()
  for (let i = 0; i < total; i++) plain.append(chunks[i % chunks.length] as Buffer)
  const traceAppendMBps = mbps(totalBytes, start)
  plain.dispose()

  const trace = createTraceBuffer()
  const log = createJobLog(trace, {
    maskedValues: secrets,
    extraTokenPrefixes: [],
    timestamps: options.timestamps ?? false,
    outputLimitBytes: totalBytes * 2,
    sections: true,
  })
  const out = log.stream(SCRIPT_STREAM, 'O')
  start = process.hrtime.bigint()
  for (let i = 0; i < total; i++) {
    out.write(chunks[i % chunks.length] as Buffer)
    if (i % 64 === 0) sample()
  }
  log.close()
  const jobLogMBps = mbps(totalBytes, start)
  sample()
  const traceBytes = trace.size
  trace.dispose()

  return {
    megabytes: totalBytes / (1024 * 1024),
    jobLogMBps,
    copyMBps,
    traceAppendMBps,
    peakRssMB: rssPeak / (1024 * 1024),
    traceBytes,
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const megabytes = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 200)
  const timestamps = process.argv.includes('--timestamps')
  const r = runLogThroughput({ megabytes, timestamps })
  console.log(
    `${r.megabytes} MiB${timestamps ? ' (timestamps)' : ''}: job log ${r.jobLogMBps.toFixed(0)} MiB/s, ` +
      `copy ${r.copyMBps.toFixed(0)} MiB/s, trace append ${r.traceAppendMBps.toFixed(0)} MiB/s, ` +
      `peak RSS ${r.peakRssMB.toFixed(0)} MiB, trace ${(r.traceBytes / 1048576).toFixed(1)} MiB`,
  )
}
