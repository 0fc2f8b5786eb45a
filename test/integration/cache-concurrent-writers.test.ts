/**
 * Two jobs of one runner (two slots) save different content under one cache key at the
 * same moment. The stored cache.zip must be whole and be exactly one writer's content,
 * never a mix and never a torn file, with no temp files left beside it.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startCoordinator, type Coordinator } from '../../src/coordinator/index.js'
import { runBuild } from '../../src/engine/build.js'
import { extractZipArchive, listZipEntries } from '../../src/helpers/archive/index.js'
import { stripAnsi } from '../conformance/run-job.js'
import { makeGitProject } from '../helpers/git-project.js'
import { startManager, type Harness } from '../helpers/manager-harness.js'

const PROJECT_PATH = 'acme/racers'
const KEY = 'shared-key'
const BLOB_BYTES = 16 * 1024 * 1024
const ROUNDS = 2

describe('concurrent writers to one cache key through real jobs', () => {
  let coordinator: Coordinator
  let harness: Harness
  let root: string
  let cacheDir: string
  let removeProject: () => Promise<void>

  before(async () => {
    coordinator = await startCoordinator({ traceUpdateIntervalSeconds: 1 })
    const project = await makeGitProject({ 'README.md': 'race\n' })
    removeProject = project.remove
    coordinator.addProject({ path: PROJECT_PATH, repoDir: project.dir })
    root = await mkdtemp(join(tmpdir(), 'glrunner-cache-race-'))
    cacheDir = join(root, 'cache')
    const registered = coordinator.createRunner()
    harness = startManager({
      url: coordinator.url,
      runBuild,
      checkIntervalMs: 50,
      global: { concurrent: 2 },
      runners: [{ token: registered.token, limit: 2, builds_dir: join(root, 'builds'), cache_dir: cacheDir, feature_flags: { FF_TIMESTAMPS: false } }],
    })
  })
  after(async () => {
    await harness?.stop()
    await coordinator?.close()
    await removeProject?.()
    await rm(root, { recursive: true, force: true })
  })

  it('keeps a valid cache.zip equal to one writer\'s files, and no temp files, after both save at once', async () => {
    const keyDir = join(cacheDir, PROJECT_PATH, KEY)
    for (let round = 0; round < ROUNDS; round++) {
      // Both jobs wait for each other after making their files, so their saves overlap.
      const barrier = join(root, `barrier-${round}`)
      await mkdir(barrier)
      const script = [
        'mkdir -p vendor',
        'echo "$WRITER" > vendor/writer.txt',
        `head -c ${BLOB_BYTES} /dev/urandom > vendor/blob.bin`,
        `touch '${barrier}/ready-'"$WRITER"`,
        `while [ "$(ls '${barrier}' | wc -l)" -lt 2 ]; do sleep 0.05; done`,
      ]
      const cache = [{ key: KEY, paths: ['vendor/'], policy: 'pull-push', when: 'on_success' }]
      const jobs = ['a', 'b'].map((writer) =>
        coordinator.enqueueJob({ project: PROJECT_PATH, name: `writer-${writer}`, variables: [{ key: 'WRITER', value: `${writer}-${round}` }], cache, script }),
      )
      for (const job of jobs) {
        const record = await coordinator.waitForJob(job.id, { timeoutMs: 60_000 })
        const text = stripAnsi(record.trace.toString('utf8'))
        assert.equal(record.state, 'success', text)
        assert.match(text, /^Created cache$/m, `job ${job.id} saved`)
      }

      assert.deepEqual((await readdir(keyDir)).sort(), ['cache.zip', 'metadata.json'], 'no temp files left beside the archive')
      const entries = (await listZipEntries(join(keyDir, 'cache.zip'))).map((entry) => `${entry.type} ${entry.path} ${entry.sizeBytes}`).sort()
      assert.deepEqual(entries, ['directory vendor 0', `file vendor/blob.bin ${BLOB_BYTES}`, 'file vendor/writer.txt 4'])

      const out = join(root, `restored-${round}`)
      await extractZipArchive({ archivePath: join(keyDir, 'cache.zip'), destinationDir: out })
      const writer = (await readFile(join(out, 'vendor/writer.txt'), 'utf8')).trim()
      assert.ok([`a-${round}`, `b-${round}`].includes(writer), `the archive is from this round's writers, not ${writer}`)
      // The blob must be the one that writer made: its copy is still in that job's project dir.
      const writerJob = jobs[writer.startsWith('a') ? 0 : 1]!
      const projectDir = await projectDirOf(root, writerJob.id, coordinator)
      const own = createHash('sha256').update(await readFile(join(projectDir, 'vendor/blob.bin'))).digest('hex')
      const stored = createHash('sha256').update(await readFile(join(out, 'vendor/blob.bin'))).digest('hex')
      assert.equal(stored, own, 'the archive holds one writer\'s blob, not the other\'s mixed in')
    }
  })
})

/** The project dir a job ran in, read from its trace's "Fetching changes" context. */
async function projectDirOf(root: string, jobId: number, coordinator: Coordinator): Promise<string> {
  const text = stripAnsi(coordinator.job(jobId)!.trace.toString('utf8'))
  const match = /^Reinitialized existing Git repository in (.+)\/\.git\/$|^Initialized empty Git repository in (.+)\/\.git\/$/m.exec(text)
  const dir = match?.[1] ?? match?.[2]
  if (dir === undefined || !dir.startsWith(root)) assert.fail(`the trace of job ${jobId} names its project dir\n${text}`)

  return dir
}
