/**
 * Archive benchmark: createZipArchive against `zip -r` at the same deflate level on a
 * generated tree. Each side runs in its own process so peak RSS is its own.
 *
 *   node --import tsx bench/archive.ts [--files 2000] [--mb 64] [--level 6]
 *
 * Content is half random (incompressible) and half repetitive text, so neither side
 * wins only because data is trivially compressible.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createZipArchive } from '../src/helpers/archive/create-zip-archive.js'
import { selectFiles } from '../src/helpers/file-selection/select-files.js'

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)

  return index === -1 ? fallback : Number(process.argv[index + 1])
}

async function makeTree(root: string, files: number, totalBytes: number): Promise<void> {
  const perFile = Math.max(1, Math.floor(totalBytes / files))
  const text = Buffer.from('lorem ipsum dolor sit amet, consectetur adipiscing elit\n'.repeat(Math.ceil(perFile / 56) + 1))
  for (let index = 0; index < files; index++) {
    const dir = path.join(root, 'data', `d${index % 50}`)
    await mkdir(dir, { recursive: true })
    const content = index % 2 === 0 ? randomBytes(perFile) : text.subarray(0, perFile)
    await writeFile(path.join(dir, `f${index}.bin`), content)
  }
}

/** Worker mode: archive with createZipArchive and print the elapsed milliseconds. */
async function worker(projectDir: string, destination: string, level: number): Promise<void> {
  const started = performance.now()
  const { files } = await selectFiles({ projectDir, paths: ['data'] })
  await createZipArchive({ projectDir, entries: files, destination, level })
  console.log(JSON.stringify({ ms: performance.now() - started }))
}

/** Runs a command under /usr/bin/time to get its peak RSS (KiB) and wall time. */
function measure(command: string, args: string[], cwd: string): { ms: number; peakRssKiB: number; stdout: string } {
  const started = performance.now()
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { cwd, encoding: 'utf8' })
  const ms = performance.now() - started
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`)
  const peakRssKiB = Number(result.stderr.trim().split('\n').at(-1))

  return { ms, peakRssKiB, stdout: result.stdout }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--worker') {
    await worker(process.argv[3]!, process.argv[4]!, Number(process.argv[5]))

    return
  }

  const files = option('files', 2000)
  const megabytes = option('mb', 64)
  const level = option('level', 6)
  const root = await mkdtemp(path.join(os.tmpdir(), 'glrunner-bench-archive-'))
  try {
    await makeTree(root, files, megabytes * 1024 * 1024)
    const inputBytes = Number(execFileSync('du', ['-sb', path.join(root, 'data')]).toString().split('\t')[0])
    const self = fileURLToPath(import.meta.url)

    const ours = measure(process.execPath, ['--import', 'tsx', self, '--worker', root, path.join(root, 'ours.zip'), String(level)], process.cwd())
    const theirs = measure('zip', ['-q', '-r', `-${level}`, path.join(root, 'theirs.zip'), 'data'], root)

    for (const [name, run, archive] of [
      ['createZipArchive', ours, 'ours.zip'],
      [`zip -r -${level}`, theirs, 'theirs.zip'],
    ] as const) {
      const size = (await stat(path.join(root, archive))).size
      const mbPerSecond = inputBytes / 1024 / 1024 / (run.ms / 1000)
      console.log(
        `${name.padEnd(18)} ${mbPerSecond.toFixed(1).padStart(7)} MB/s  peak RSS ${(run.peakRssKiB / 1024).toFixed(0).padStart(4)} MiB  ` +
          `archive ${(size / 1024 / 1024).toFixed(1)} MiB  (${files} files, ${(inputBytes / 1024 / 1024).toFixed(1)} MiB in)`,
      )
    }
    const inProcessMs = (JSON.parse(ours.stdout) as { ms: number }).ms
    console.log(
      `createZipArchive in-process (selection + archive, no startup): ${(inputBytes / 1024 / 1024 / (inProcessMs / 1000)).toFixed(1)} MB/s`,
    )
    console.log('note: the createZipArchive line above includes starting node + tsx.')
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

await main()
