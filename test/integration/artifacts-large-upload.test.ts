/**
 * A 200 MiB artifact through the real runner as its own process (`glrunner run-single`),
 * so the memory measured is the runner's alone: /proc/<pid>/status VmHWM, reset after an
 * idle baseline is read.
 */
import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { listZipEntries } from '../../src/helpers/archive/index.js'
import { runJob, startBenchEnv, type BenchEnv } from '../../bench/lib/bench-env.js'
import { RunnerProcess } from '../../bench/lib/runner-process.js'

const MiB = 1024 * 1024
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const FILES = 4
const FILE_MiB = 50
const ARTIFACT_BYTES = FILES * FILE_MiB * MiB

/**
 * The runner's peak RSS may grow this much over its idle RSS during the job. Random bytes do
 * not compress, so the archive is at least 200 MiB: holding it, or even half of it, in memory
 * at any moment (in the zip writer, the upload body or a file read whole) would exceed this
 * bound, while streaming needs only chunk buffers plus what the garbage collector has not
 * yet returned (about 40 MiB measured here under load).
 */
const MAX_GROWTH_BYTES = 100 * MiB

describe('a 200 MiB artifact through the real runner process', () => {
  let env: BenchEnv
  let runner: RunnerProcess | undefined
  let skipReason: string | undefined

  before(async () => {
    env = await startBenchEnv({ traceUpdateIntervalSeconds: 1 })
    runner = await RunnerProcess.start({ root: ROOT, coordinator: env.coordinator, runner: env.runner, buildsDir: env.buildsDir, workDir: env.workDir, checkIntervalSeconds: 0.2 })
    // A small artifact job first, so the code of the artifact path is loaded (tsx compiles
    // modules on first import) before the idle baseline is read.
    await runJob(env, {
      script: ['mkdir -p warm && head -c 1048576 /dev/urandom > warm/a.bin'],
      artifacts: [{ name: 'warm', paths: ['warm/'], when: 'on_success', artifact_type: 'archive', artifact_format: 'zip' }],
    }, 60_000)
    if (!runner.resetPeak()) skipReason = 'the kernel does not let this user reset VmHWM (/proc/<pid>/clear_refs)'
  })
  after(async () => {
    await runner?.stop()
    await env?.close()
  })

  it('archives and uploads 200 MiB of incompressible files with the runner peak RSS under 100 MiB above idle', async (t) => {
    if (skipReason) {
      if (process.env.CI === 'true') assert.fail(skipReason)

      return t.skip(`SKIPPED: ${skipReason}`)
    }
    const idleRssBytes = runner!.stats().rssBytes
    assert.ok(runner!.resetPeak())

    const script = [`mkdir -p data/nested`]
    for (let index = 1; index <= FILES; index++) {
      const dir = index % 2 === 0 ? 'data/nested' : 'data'
      script.push(`head -c ${FILE_MiB * MiB} /dev/urandom > ${dir}/part-${index}.bin`)
    }
    const record = await runJob(env, {
      script,
      artifacts: [{ name: 'big', paths: ['data/'], when: 'on_success', artifact_type: 'archive', artifact_format: 'zip' }],
    }, 120_000)
    const { peakRssBytes } = runner!.stats()

    const growthBytes = peakRssBytes - idleRssBytes
    const report = `idle RSS ${(idleRssBytes / MiB).toFixed(0)} MiB, peak ${(peakRssBytes / MiB).toFixed(0)} MiB`
    t.diagnostic(report)
    assert.ok(growthBytes < MAX_GROWTH_BYTES, `the runner held the archive in memory: ${report}`)

    assert.equal(record.artifacts.length, 1)
    const stored = record.artifacts[0]!
    assert.equal(stored.size, (await stat(stored.path)).size)
    assert.ok(stored.size >= ARTIFACT_BYTES, `the coordinator stored ${stored.size} bytes, less than the ${ARTIFACT_BYTES} bytes of data`)
    const entries = (await listZipEntries(stored.path)).filter((entry) => entry.type === 'file')
    assert.deepEqual(
      entries.map((entry) => [entry.path, entry.sizeBytes]).sort(),
      [
        ['data/nested/part-2.bin', FILE_MiB * MiB],
        ['data/nested/part-4.bin', FILE_MiB * MiB],
        ['data/part-1.bin', FILE_MiB * MiB],
        ['data/part-3.bin', FILE_MiB * MiB],
      ],
    )
  })
})
