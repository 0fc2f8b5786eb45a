/**
 * Artifact file names with unicode, spaces and nested folders, end to end: a job makes
 * them, the runner archives and uploads them to the coordinator, a dependent job
 * downloads and extracts them, and every name and byte comes back the same.
 */
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { listZipEntries } from '../../src/helpers/archive/index.js'
import { startWorld, type World } from './engine-artifacts-harness.js'

/** Relative path → one line of content. No single quotes anywhere (the script quotes with them). */
const TREE: Record<string, string> = {
  'dist/ünïcödé/日本語 ファイル.txt': 'inhalt äöü – 内容\n',
  'dist/with space/nested/deep er/file name.txt': 'spaces all the way down\n',
  'dist/emoji 🚀/ok.txt': 'rocket 🚀\n',
  'dist/Ελληνικά/αρχείο.bin': 'ελληνικά\n',
  'café dir/menu/crème brûlée.txt': 'dessert\n',
  'café dir/menu/skip.log': 'not matched by the glob\n',
}
const UPLOADED = Object.keys(TREE).filter((path) => !path.endsWith('.log'))

function makeTreeScript(tree: Record<string, string>): string[] {
  return Object.entries(tree).flatMap(([path, content]) => [
    `mkdir -p "$(dirname '${path}')"`,
    `printf '%s\n' '${content.trimEnd()}' > '${path}'`,
  ])
}

/** Every regular file under `dirs` of `root`, as relative path → content. */
async function readTree(root: string, dirs: string[]): Promise<Record<string, string>> {
  const found: Record<string, string> = {}
  for (const dir of dirs) {
    for (const entry of await readdir(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue
      const full = join(entry.parentPath, entry.name)
      found[relative(root, full)] = await readFile(full, 'utf8')
    }
  }

  return found
}

describe('artifact names with unicode, spaces and nested folders through the coordinator', () => {
  let world: World

  before(async () => {
    world = await startWorld()
  })
  after(async () => {
    await world.close()
  })

  let producerId: number

  it('archives, uploads, downloads and extracts every name and byte unchanged', async () => {
    const producer = await world.run({
      name: 'make',
      script: makeTreeScript(TREE),
      artifacts: [{ name: 'ünïcödé artefakt', paths: ['dist/', 'café dir/**/*.txt'], when: 'on_success', artifact_type: 'archive', artifact_format: 'zip' }],
    })
    assert.equal(producer.record.state, 'success', producer.text)
    producerId = producer.record.id
    assert.deepEqual(await readTree(world.projectDir, ['dist', 'café dir']), TREE, 'the job wrote the tree as meant')

    assert.equal(producer.record.artifacts.length, 1)
    const stored = await listZipEntries(producer.record.artifacts[0]!.path)
    const storedFiles = stored.filter((entry) => entry.type === 'file').map((entry) => entry.path).sort()
    assert.deepEqual(storedFiles, [...UPLOADED].sort(), 'the archive names the files exactly (UTF-8, not mangled)')

    const consumer = await world.run({ name: 'use', script: ['test ! -e "café dir/menu/skip.log"'], dependencies: [producer.record.id] })
    assert.equal(consumer.record.state, 'success', consumer.text)
    const extracted = await readTree(world.projectDir, ['dist', 'café dir'])
    assert.deepEqual(extracted, Object.fromEntries(UPLOADED.map((path) => [path, TREE[path]])))
  })

  // The runner sends the name as UTF-8 in the multipart header (as GitLab and the official
  // runner do); the coordinator's busboy parser decodes header parameters as latin1 unless
  // given defParamCharset: 'utf8' (src/coordinator/routes/artifacts-upload.ts).
  it('stores the upload under its unicode artifact name', () => {
    const job = world.coordinator.job(producerId)!
    assert.deepEqual(job.artifacts.map((artifact) => artifact.filename), ['ünïcödé artefakt.zip'])
  })
})
