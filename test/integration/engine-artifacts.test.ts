import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readdir, readlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { shortToken } from '../../src/core/tokens.js'
import { listZipEntries } from '../../src/helpers/archive/index.js'
import { buildRawZip } from '../helpers-archive/raw-zip.js'
import { startWorld, type World } from './engine-artifacts-harness.js'

/** The C-13 tree plus dist/ and a junit report, made by the job's own script. */
const MAKE_TREE = [
  'mkdir -p dist/sub out/x/y out/tmp "docs/space dir"',
  'echo app > dist/app.txt && echo lib > dist/sub/lib.txt',
  'touch out/a.apk out/x/y/b.apk out/x/notes.txt out/tmp/c.apk "docs/space dir/readme.md"',
  'echo "<testsuites/>" > report.xml',
]

const PACK = {
  name: 'pack',
  paths: ['dist/', 'out/**/*.apk', 'docs/', '../outside.txt', 'missing/**'],
  exclude: ['out/tmp/**', 'docs/**/*.md'],
  artifact_type: 'archive',
  artifact_format: 'zip',
  expire_in: '1 week',
  when: 'on_success',
}
const JUNIT = { name: 'junit', paths: ['report.xml'], artifact_type: 'junit', artifact_format: 'gzip', expire_in: '2 days', when: 'always' }

describe('artifacts through the coordinator with the real engine and the shell executor', () => {
  let world: World
  let producer: { id: number; text: string }

  before(async () => {
    world = await startWorld()
  })
  after(async () => {
    await world.close()
  })

  it('uploads the archive as zip and the junit report as gzip, stored with their type, format and expiry', async () => {
    const job = world.enqueue({ name: 'build', script: MAKE_TREE, artifacts: [PACK, JUNIT] })
    const { record, text } = await world.finish(job.id)
    producer = { id: job.id, text }
    assert.equal(record.state, 'success', text)

    const stored = record.artifacts.map((a) => [a.artifactType, a.artifactFormat, a.expireIn, a.filename])
    assert.deepEqual(stored, [
      ['archive', 'zip', '1 week', 'pack.zip'],
      ['junit', 'gzip', '2 days', 'junit.gz'],
    ])

    const archive = record.artifacts[0]!
    const files = (await listZipEntries(archive.path)).filter((entry) => entry.type === 'file').map((entry) => entry.path).sort()
    assert.deepEqual(files, ['dist/app.txt', 'dist/sub/lib.txt', 'out/a.apk', 'out/x/y/b.apk'])
    assert.equal(gunzipSync(readFileSync(record.artifacts[1]!.path)).toString(), '<testsuites/>\n')

    assert.match(text, /^Uploading artifacts for successful job$/m)
    assert.match(text, /processPath: artifact path is not a subpath of project directory: \.\.\/outside\.txt/)
    assert.match(text, /WARNING: missing\/\*\*: no matching files/)
    assert.match(text, /out\/tmp\/\*\*: excluded 1 files/)
    assert.match(text, /docs\/\*\*\/\*\.md: excluded 1 files/)
  })

  it('prints the official upload line with the job id and only the short token', () => {
    const short = shortToken(world.coordinator.job(producer.id)!.token)
    const line = `Uploading artifacts as "archive" to coordinator... 201 Created  id=${producer.id} responseStatus=201 Created token=${short}`
    assert.ok(producer.text.includes(line), producer.text)
    assert.match(producer.text, /Uploading artifacts as "junit" to coordinator\.\.\. 201 Created/)
    assert.ok(!producer.text.includes(world.coordinator.job(producer.id)!.token), 'the whole job token never reaches the log')
  })

  it('extracts a dependency archive before the script of the job that depends on it', async () => {
    const { record, text } = await world.run({ name: 'use', script: ['cat dist/app.txt dist/sub/lib.txt', 'test ! -e out/tmp/c.apk'], dependencies: [producer.id] })
    assert.equal(record.state, 'success', text)
    assert.match(text, new RegExp(`Downloading artifacts for build \\(${producer.id}\\)\\.\\.\\.`))
    assert.match(text, new RegExp(`Downloading artifacts from coordinator\\.\\.\\. ok +host=127\\.0\\.0\\.1:\\d+ id=${producer.id} responseStatus=200 OK token=\\w+`))
    assert.match(text, /\$ cat dist\/app.txt dist\/sub\/lib.txt\napp\nlib\n/)
    const download = text.indexOf('Downloading artifacts for build')
    assert.ok(download > 0 && download < text.indexOf('$ cat dist/app.txt'), 'the download comes before the script')
    const leftovers = (await readdir(`${world.projectDir}.tmp`)).filter((name) => name.startsWith('artifact'))
    assert.deepEqual(leftovers, [], 'downloaded and built archives are removed')
  })

  it('expands variables in artifact paths and masks secrets in the helper lines', async () => {
    const { record, text } = await world.run({
      name: 'masked',
      variables: [{ key: 'OUT_DIR', value: 'build-out' }, { key: 'SECRET_DIR', value: 'hunter2-secret-dir', masked: true }],
      script: ['mkdir -p build-out && echo x > build-out/x.txt'],
      artifacts: [{ name: 'masked', paths: ['$OUT_DIR/', '$SECRET_DIR/'], when: 'on_success' }],
    })
    assert.equal(record.state, 'success', text)
    assert.match(text, /^build-out\/: found 2 matching artifact files and directories/m)
    assert.match(text, /WARNING: \[MASKED\]\/: no matching files/)
    assert.ok(!text.includes('hunter2-secret-dir'), 'the masked value never reaches the log')
    assert.deepEqual(record.artifacts.map((a) => a.filename), ['masked.zip'])
  })

  it('extracts nothing outside the project dir from a hostile dependency archive and names each refused entry (C-14)', async () => {
    const outsideTarget = join(world.scratchDir, 'link-target')
    await mkdir(outsideTarget, { recursive: true })
    const hostileZip = buildRawZip([
      { name: 'ok/file.txt', data: 'fine\n' },
      { name: '../escape.txt', data: 'x' },
      { name: '/abs-escape-glrunner-c14.txt', data: 'x' },
      { name: '../widgets-sibling/x.txt', data: 'x' },
      { name: 'link', kind: 'symlink', data: outsideTarget },
      { name: 'link/owned.txt', data: 'x' },
    ])

    // The hostile job waits for the test to upload its archive through the coordinator's API.
    const marker = join(world.scratchDir, 'uploaded')
    const hostile = world.enqueue({ name: 'hostile', script: [`while [ ! -e '${marker}' ]; do sleep 0.05; done`] })
    await world.coordinator.waitForJob(hostile.id, { states: ['running'], timeoutMs: 20_000 })
    const form = new FormData()
    form.append('file', new Blob([hostileZip]), 'artifacts.zip')
    const response = await fetch(`${world.coordinator.url}/api/v4/jobs/${hostile.id}/artifacts?artifact_type=archive&artifact_format=zip`, {
      method: 'POST',
      headers: { 'JOB-TOKEN': hostile.token },
      body: form,
    })
    assert.equal(response.status, 201)
    await writeFile(marker, '')
    assert.equal((await world.finish(hostile.id)).record.state, 'success')

    const { record, text } = await world.run({ name: 'victim', script: ['cat ok/file.txt'], dependencies: [hostile.id] })
    assert.equal(record.state, 'success', text)
    assert.match(text, /\$ cat ok\/file.txt\nfine\n/)
    for (const name of ['../escape.txt', '/abs-escape-glrunner-c14.txt', '../widgets-sibling/x.txt', 'link/owned.txt']) {
      assert.ok(text.includes(`skipping "${name}"`), `the log names the refused entry ${name}\n${text}`)
    }

    const parent = dirname(world.projectDir)
    assert.equal(existsSync(join(parent, 'escape.txt')), false)
    assert.equal(existsSync('/abs-escape-glrunner-c14.txt'), false)
    assert.equal(existsSync(join(parent, 'widgets-sibling')), false)
    assert.equal(existsSync(join(outsideTarget, 'owned.txt')), false)
    if (existsSync(join(world.projectDir, 'link'))) assert.equal(await readlink(join(world.projectDir, 'link')), outsideTarget)
  })

  it('uploads when: on_failure artifacts only for a failed job, in the failure stage', async () => {
    const entries = [
      { name: 'debug', paths: ['debug.log'], artifact_type: 'archive', artifact_format: 'zip', when: 'on_failure' },
      { name: 'junit', paths: ['report.xml'], artifact_type: 'junit', artifact_format: 'gzip', when: 'on_success' },
    ]
    const script = (code: number) => ['echo trace > debug.log', 'echo "<testsuites/>" > report.xml', `exit ${code}`]

    const failed = await world.run({ name: 'fails', script: script(3), artifacts: entries })
    assert.equal(failed.record.state, 'failed')
    assert.equal(failed.record.failureReason, 'script_failure')
    assert.deepEqual(failed.record.artifacts.map((a) => a.artifactType), ['archive'])
    assert.match(failed.text, /^Uploading artifacts for failed job$/m)
    assert.match(failed.text, /ERROR: Job failed: exit status 3/)

    const passed = await world.run({ name: 'passes', script: script(0), artifacts: entries })
    assert.equal(passed.record.state, 'success')
    assert.deepEqual(passed.record.artifacts.map((a) => a.artifactType), ['junit'])
    assert.doesNotMatch(passed.text, /Uploading artifacts for failed job/)
  })

  it('warns "No files to upload" without failing the job when nothing matches', async () => {
    const { record, text } = await world.run({ name: 'empty', script: ['true'], artifacts: [{ name: 'none', paths: ['nothing-here/'], when: 'on_success' }] })
    assert.equal(record.state, 'success', text)
    assert.deepEqual(record.artifacts, [])
    assert.match(text, /WARNING: No files to upload/)
  })
})
