import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { describe, it } from 'node:test'
import { artifactSchema, type ArtifactSpec } from '../../gitlab/job-payload.js'
import { makeTempDir, writeTree } from '../../../test/helpers-archive/file-tree.js'
import { writeRawZip } from '../../../test/helpers-archive/raw-zip.js'
import { listZipEntries } from '../archive/list-zip-entries.js'
import { formatHelperLine } from '../helper-log/report-line.js'
import { whenApplies } from './artifact-applies.js'
import { artifactFileName } from './artifact-file-name.js'
import { buildArtifact } from './build-artifact.js'
import { extractDependencyArtifacts } from './extract-dependency-artifacts.js'

function spec(fields: Record<string, unknown>): ArtifactSpec {
  return artifactSchema.parse(fields)
}

async function project() {
  const tmp = await makeTempDir()
  const projectDir = path.join(tmp.path, 'builds')
  const tmpDir = path.join(tmp.path, 'builds.tmp')
  await writeTree(tmp.path, { 'builds.tmp/.keep': '', 'outside.txt': 'secret' })
  await writeTree(projectDir, {
    'out/a.apk': 'a',
    'out/x/y/b.apk': 'b',
    'out/x/notes.txt': 'n',
    'out/tmp/c.apk': 'c',
    'docs/space dir/readme.md': 'r',
  })

  return { tmp, projectDir, tmpDir }
}

describe('buildArtifact', () => {
  it('C-13: the uploaded zip holds exactly the matching apks, with log lines and warnings that do not fail', async () => {
    const { tmp, projectDir, tmpDir } = await project()
    await using _tmp = tmp

    const result = await buildArtifact({
      projectDir,
      tmpDir,
      jobStatus: 'success',
      spec: spec({
        name: 'pack',
        paths: ['out/**/*.apk', 'docs/', '../outside.txt', 'missing/**'],
        exclude: ['out/tmp/**', 'docs/**/*.md'],
        expire_in: '1 week',
      }),
    })

    assert.ok(result.skipped === undefined)
    const entries = await listZipEntries(result.filePath)
    assert.deepEqual(entries.filter((entry) => entry.type === 'file').map((entry) => entry.path), ['out/a.apk', 'out/x/y/b.apk'])
    assert.ok(entries.every((entry) => entry.type === 'directory' || entry.path.endsWith('.apk')))
    assert.equal(result.fileName, 'pack.zip')
    assert.equal(result.format, 'zip')
    assert.equal(result.type, 'archive')
    assert.equal(result.expireIn, '1 week')
    assert.equal(result.fileCount, entries.length)
    assert.equal(path.dirname(result.filePath), tmpDir)
    assert.deepEqual(result.lines[0], { kind: 'notice', message: 'Uploading artifacts...' })
    assert.ok(result.warnings.includes('processPath: artifact path is not a subpath of project directory: ../outside.txt'))
    assert.ok(result.warnings.some((warning) => warning.startsWith('missing/**: no matching files.')))
    assert.ok(result.lines.some((line) => line.message === 'out/tmp/**: excluded 1 files'))

    await result.cleanup()
    await assert.rejects(stat(result.filePath), { code: 'ENOENT' })
  })

  it('applies when: on_failure only after a failed job, always after both', async () => {
    assert.equal(whenApplies('on_failure', 'success'), false)
    assert.equal(whenApplies('on_failure', 'failed'), true)
    assert.equal(whenApplies('always', 'success'), true)
    assert.equal(whenApplies('always', 'failed'), true)
    assert.equal(whenApplies('', 'success'), true)
    assert.equal(whenApplies('on_success', 'failed'), false)
    assert.equal(whenApplies('sometimes', 'success'), false)

    const { tmp, projectDir, tmpDir } = await project()
    await using _tmp = tmp
    const result = await buildArtifact({ projectDir, tmpDir, jobStatus: 'success', spec: spec({ paths: ['out'], when: 'on_failure' }) })
    assert.deepEqual(result, { skipped: 'when', lines: [], warnings: [] })
    assert.deepEqual(await readdir(tmpDir), ['.keep'])
  })

  it('reports "No files to upload" as a warning and skips the upload', async () => {
    const { tmp, projectDir, tmpDir } = await project()
    await using _tmp = tmp

    const result = await buildArtifact({ projectDir, tmpDir, jobStatus: 'failed', spec: spec({ paths: ['nothing/*'], when: 'always' }) })

    assert.equal(result.skipped, 'no-files')
    assert.equal(result.warnings.at(-1), 'No files to upload')
    const last = result.lines.at(-1)
    assert.ok(last?.kind === 'helper')
    assert.equal(formatHelperLine(last, { colour: false }), `${'WARNING: No files to upload'.padEnd(50)} `)
  })

  it('writes gzip reports as <name>.gz and raw artifacts as the file itself', async () => {
    const { tmp, projectDir, tmpDir } = await project()
    await using _tmp = tmp

    const gzip = await buildArtifact({
      projectDir,
      tmpDir,
      jobStatus: 'success',
      spec: spec({ name: 'junit', paths: ['out/x/notes.txt'], artifact_type: 'junit', artifact_format: 'gzip' }),
    })
    assert.ok(gzip.skipped === undefined)
    assert.equal(gzip.fileName, 'junit.gz')
    assert.equal(gzip.type, 'junit')
    assert.equal(execFileSync('gzip', ['-dc', gzip.filePath]).toString(), 'n')

    const raw = await buildArtifact({
      projectDir,
      tmpDir,
      jobStatus: 'success',
      spec: spec({ name: 'dir/notes', paths: ['out/x/notes.txt'], artifact_format: 'raw' }),
    })
    assert.ok(raw.skipped === undefined)
    assert.equal(raw.fileName, 'notes')
    assert.equal(raw.filePath, path.join(projectDir, 'out/x/notes.txt'))
    await raw.cleanup()
    assert.equal(await readFile(raw.filePath, 'utf8'), 'n')

    await assert.rejects(
      buildArtifact({ projectDir, tmpDir, jobStatus: 'success', spec: spec({ paths: ['out/**/*.apk'], artifact_format: 'raw' }) }),
      { code: 'GLR_ARCHIVE_FORMAT', message: 'artifact format raw needs exactly one file, 3 matched' },
    )
  })

  it('names files by base name and format, defaulting to "default"', () => {
    assert.equal(artifactFileName('', 'zip'), 'default.zip')
    assert.equal(artifactFileName('a/b/report', 'gzip'), 'report.gz')
    assert.equal(artifactFileName('bin', 'raw'), 'bin')
    assert.equal(artifactFileName('x', 'tarzstd'), 'x.tar.zst')
  })
})

describe('extractDependencyArtifacts', () => {
  it('C-14: extracts a dependency archive into the project, reporting refused entries as helper warnings', async () => {
    await using tmp = await makeTempDir()
    const projectDir = path.join(tmp.path, 'builds')
    const archive = path.join(tmp.path, 'dep.zip')
    await writeRawZip(archive, [
      { name: 'ok/file.txt', data: 'fine' },
      { name: '../escape.txt', data: 'x' },
      { name: 'link', kind: 'symlink', data: '/tmp' },
      { name: 'link/owned.txt', data: 'x' },
    ])

    const result = await extractDependencyArtifacts({ archivePath: archive, projectDir })

    assert.equal(result.extractedCount, 1)
    assert.deepEqual(await readdir(projectDir), ['ok'])
    assert.deepEqual(result.lines.map((line) => line.kind === 'helper' && line.level), ['warning', 'warning', 'warning'])
    assert.equal(result.warnings[0], 'skipping "../escape.txt": path escapes the destination directory')
    await assert.rejects(stat('/tmp/owned.txt'), { code: 'ENOENT' })
  })
})
