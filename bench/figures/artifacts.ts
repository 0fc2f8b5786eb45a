/**
 * Figure 6: artifacts. A job hard-links a generated tree (N files, half random bytes, half
 * text) into its build dir and uploads it as a zip artifact. Time is the script's last
 * command → the upload answered 201 at the coordinator (archive + upload); peak RSS is the
 * runner's VmHWM for that job. The baseline is `zip -r` at the runner's default deflate
 * level (6) of the same tree, without any upload.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RecordedRequest } from '../../src/coordinator/index.js'
import { BenchError } from '../lib/bench-error.js'
import { runJob, startBenchEnv } from '../lib/bench-env.js'
import { measuredRow } from '../lib/rows.js'
import { RunnerProcess } from '../lib/runner-process.js'
import { timeCommandWithUsage } from '../lib/timed-command.js'
import type { BenchContext, Figure, FigureRow } from '../lib/types.js'

const MiB = 1024 * 1024
const LEVEL = 6

/** `files` files totalling about `bytes` in 100 folders; returns the bytes written. */
async function makeTree(root: string, files: number, bytes: number): Promise<number> {
  const perFile = Math.max(1, Math.floor(bytes / files))
  const text = Buffer.from('artifact line: the quick brown fox jumps over the lazy dog 0123456789\n'.repeat(Math.ceil(perFile / 69) + 1)).subarray(0, perFile)
  let written = 0
  for (let index = 0; index < files; index++) {
    const dir = join(root, `part-${index % 100}`)
    if (index < 100) await mkdir(dir, { recursive: true })
    const content = index % 2 === 0 ? randomBytes(perFile) : text
    await writeFile(join(dir, `file-${index}.dat`), content)
    written += content.length
  }

  return written
}

async function measure(ctx: BenchContext): Promise<FigureRow[]> {
  const [files, megabytes, runs] = ctx.mode === 'full' ? [10_000, 300, 3] : ctx.mode === 'quick' ? [1000, 30, 2] : [50, 2, 1]
  const env = await startBenchEnv({ longPollSeconds: 0 })
  let runner: RunnerProcess | undefined
  try {
    const treeRoot = join(env.workDir, 'tree')
    const bytes = await makeTree(join(treeRoot, 'data'), files, megabytes * MiB)
    runner = await RunnerProcess.start({ root: ctx.root, coordinator: env.coordinator, runner: env.runner, buildsDir: env.buildsDir, workDir: env.workDir, checkIntervalSeconds: 0.2 })
    const uploads = new Map<number, number>()
    const onRequest = (request: RecordedRequest): void => {
      const match = /^\/api\/v4\/jobs\/(\d+)\/artifacts$/.exec(request.path)
      if (match && request.method === 'POST' && request.status === 201) uploads.set(Number(match[1]), Date.now())
    }
    env.coordinator.events.on('request', onRequest)

    const ours: number[] = []
    const rss: number[] = []
    const zip: number[] = []
    const zipRss: number[] = []
    let archiveBytes = 0
    for (let run = 0; run < runs; run++) {
      const mark = join(env.workDir, `mark-${run}`)
      if (!runner.resetPeak()) throw new BenchError('the kernel does not allow resetting VmHWM (clear_refs)')
      const record = await runJob(env, {
        script: [`rm -rf data && cp -al '${join(treeRoot, 'data')}' data && date +%s%N > '${mark}'`],
        artifacts: [{ name: 'bench', paths: ['data'], when: 'on_success', artifact_type: 'archive', artifact_format: 'zip' }],
      }, 600_000)
      rss.push(runner.stats().peakRssBytes / MiB)
      const scriptEndMs = Number(BigInt((await readFile(mark, 'utf8')).trim()) / 1_000_000n)
      const uploadedAt = uploads.get(record.id)
      if (uploadedAt === undefined || record.artifacts.length === 0) throw new BenchError(`job ${record.id} uploaded no artifact`)
      ours.push(bytes / MiB / ((uploadedAt - scriptEndMs) / 1000))
      archiveBytes = record.artifacts[0]?.size ?? 0
      for (const artifact of record.artifacts) await rm(artifact.path, { force: true })

      const out = join(env.workDir, `zip-${run}.zip`)
      const baseline = await timeCommandWithUsage('zip', ['-q', '-r', `-${LEVEL}`, out, 'data'], { cwd: treeRoot })
      zip.push(bytes / MiB / (baseline.ms / 1000))
      zipRss.push((baseline.peakRssKiB ?? Number.NaN) / 1024)
      await rm(out, { force: true })
    }
    env.coordinator.events.off('request', onRequest)
    const notes = [`${files} files, ${(bytes / MiB).toFixed(0)} MiB (half random), archive ${(archiveBytes / MiB).toFixed(1)} MiB`]

    return [
      measuredRow({ id: 'artifacts-throughput', title: 'artifact archive + upload (script end → upload answered)', unit: 'MiB/s', glrunner: ours, baseline: { name: `zip -r -${LEVEL} of the same tree (no upload)`, values: zip }, notes }),
      measuredRow({ id: 'artifacts-peak-rss', title: 'runner peak RSS during the artifact job', unit: 'MiB', glrunner: rss, baseline: { name: `peak RSS of zip -r -${LEVEL}`, values: zipRss }, notes: ['VmHWM reset before each job; includes Node start-up (tsx compiling the sources when dist/ is not built)'] }),
    ]
  } finally {
    await runner?.stop()
    await env.close()
  }
}

export const artifactsFigure: Figure = { id: 'artifacts', title: 'artifact archive and upload', run: measure }
