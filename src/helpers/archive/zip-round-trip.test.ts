import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmod, lstat, readFile, readlink, stat, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, it } from 'node:test'
import { makeTempDir, writeTree } from '../../../test/helpers-archive/file-tree.js'
import { selectFiles } from '../file-selection/select-files.js'
import { ArchiveCreateError, ArchiveFormatError } from './archive-errors.js'
import { createGzipArtifact } from './create-gzip-artifact.js'
import { createZipArchive } from './create-zip-archive.js'
import { extractZipArchive } from './extract-zip-archive.js'
import { listZipEntries } from './list-zip-entries.js'

describe('zip archives', () => {
  it('round-trips contents, modes, mtimes, directories and symlinks', async () => {
    await using tmp = await makeTempDir()
    const source = path.join(tmp.path, 'src')
    await writeTree(source, {
      'bin/run.sh': '#!/bin/sh\necho hi\n',
      'data/readme.txt': 'hello',
      'data/empty': { dir: true },
      'data/current': { link: 'readme.txt' },
    })
    await chmod(path.join(source, 'bin/run.sh'), 0o750)
    const past = new Date('2021-03-04T05:06:07Z')
    await utimes(path.join(source, 'data/readme.txt'), past, past)

    const { files } = await selectFiles({ projectDir: source, paths: ['bin', 'data'] })
    const archive = path.join(tmp.path, 'out.zip')
    await createZipArchive({ projectDir: source, entries: files, destination: archive, level: 'fast' })

    // The system unzip agrees the archive is valid.
    execFileSync('unzip', ['-tq', archive])
    const destination = path.join(tmp.path, 'dest')
    const result = await extractZipArchive({ archivePath: archive, destinationDir: destination })

    assert.equal(result.extractedCount, files.length)
    assert.deepEqual(result.warnings, [])
    assert.equal(await readFile(path.join(destination, 'bin/run.sh'), 'utf8'), '#!/bin/sh\necho hi\n')
    assert.equal((await stat(path.join(destination, 'bin/run.sh'))).mode & 0o777, 0o750)
    assert.equal((await stat(path.join(destination, 'data/readme.txt'))).mtime.getTime(), past.getTime())
    assert.ok((await stat(path.join(destination, 'data/empty'))).isDirectory())
    assert.ok((await lstat(path.join(destination, 'data/current'))).isSymbolicLink())
    assert.equal(await readlink(path.join(destination, 'data/current')), 'readme.txt')

    const listed = await listZipEntries(archive)
    assert.deepEqual(
      listed.map((entry) => `${entry.type}:${entry.path}:${entry.sizeBytes}`),
      files.map((entry) => `${entry.type}:${entry.path}:${entry.sizeBytes}`),
    )
  })

  it('overwrites existing files and replaces an existing symlink instead of writing through it', async () => {
    await using tmp = await makeTempDir()
    const source = path.join(tmp.path, 'src')
    await writeTree(source, { 'a.txt': 'new', 'b.txt': 'new-b' })
    const { files } = await selectFiles({ projectDir: source, paths: ['*.txt'] })
    const archive = path.join(tmp.path, 'out.zip')
    await createZipArchive({ projectDir: source, entries: files, destination: archive })

    const destination = path.join(tmp.path, 'dest')
    await writeTree(tmp.path, { 'victim.txt': 'keep' })
    await writeTree(destination, { 'a.txt': 'old', 'b.txt': { link: '../victim.txt' } })
    await extractZipArchive({ archivePath: archive, destinationDir: destination })

    assert.equal(await readFile(path.join(destination, 'a.txt'), 'utf8'), 'new')
    assert.equal(await readFile(path.join(destination, 'b.txt'), 'utf8'), 'new-b')
    assert.ok((await lstat(path.join(destination, 'b.txt'))).isFile())
    assert.equal(await readFile(path.join(tmp.path, 'victim.txt'), 'utf8'), 'keep')
  })

  it('throws ArchiveCreateError and leaves no partial file when an entry vanished', async () => {
    await using tmp = await makeTempDir()
    await writeTree(tmp.path, { 'a.txt': 'a' })
    const { files } = await selectFiles({ projectDir: tmp.path, paths: ['a.txt'] })
    const destination = path.join(tmp.path, 'out.zip')

    await assert.rejects(
      createZipArchive({ projectDir: path.join(tmp.path, 'elsewhere'), entries: files, destination }),
      (error: Error & { code?: string }) => error.code === 'GLR_ARCHIVE_CREATE' && /creating archive/.test(error.message),
    )
    await assert.rejects(stat(destination), { code: 'ENOENT' })
  })

  it('writes the gzip format as one named member per file', async () => {
    await using tmp = await makeTempDir()
    await writeTree(tmp.path, { 'reports/junit.xml': '<testsuite/>', 'reports/other.xml': '<x/>' })
    const { files } = await selectFiles({ projectDir: tmp.path, paths: ['reports/*.xml'] })
    const destination = path.join(tmp.path, 'junit.gz')

    const result = await createGzipArtifact({ projectDir: tmp.path, entries: files, destination })

    assert.equal(result.fileCount, 2)
    const bytes = await readFile(destination)
    // gunzip concatenates the members' contents in order.
    assert.equal(gunzipSync(bytes).toString(), '<testsuite/><x/>')
    assert.equal(bytes.subarray(10, 10 + 'junit.xml'.length).toString(), 'junit.xml')
    assert.equal(execFileSync('gzip', ['-t', destination]).length, 0)
  })

  it('throws ArchiveCreateError for a gzip destination that cannot be opened, instead of crashing', async () => {
    await using tmp = await makeTempDir()
    const source = path.join(tmp.path, 'src')
    await writeTree(source, { 'one.txt': 'one' })
    const { files } = await selectFiles({ projectDir: source, paths: ['one.txt'] })
    const destination = path.join(tmp.path, 'no-such-dir', 'out.gz')

    const error = await createGzipArtifact({ projectDir: source, entries: files, destination }).catch((caught: unknown) => caught)

    assert.ok(error instanceof ArchiveCreateError, String(error))
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOENT')
  })

  it('has a format error class carrying a stable code', () => {
    const error = new ArchiveFormatError('raw format needs exactly one file, got 2')
    assert.equal(error.code, 'GLR_ARCHIVE_FORMAT')
  })
})

describe('malformed archives', () => {
  it('reports a file that is not a zip as ArchiveReadError', async () => {
    await using tmp = await makeTempDir()
    const archive = path.join(tmp.path, 'bad.zip')
    await writeFile(archive, 'this is not a zip file at all')

    await assert.rejects(
      extractZipArchive({ archivePath: archive, destinationDir: path.join(tmp.path, 'dest') }),
      (error: Error & { code?: string }) => error.code === 'GLR_ARCHIVE_INVALID' && error.message === `reading archive ${archive}`,
    )
  })

  it('reports corrupt entry data as ArchiveReadError without leaving the broken file', async () => {
    await using tmp = await makeTempDir()
    await writeTree(tmp.path, { 'src/big.txt': 'abcdefghij'.repeat(1000) })
    const { files } = await selectFiles({ projectDir: path.join(tmp.path, 'src'), paths: ['big.txt'] })
    const archive = path.join(tmp.path, 'corrupt.zip')
    await createZipArchive({ projectDir: path.join(tmp.path, 'src'), entries: files, destination: archive })
    const bytes = await readFile(archive)
    // Overwrite the middle of the compressed data; the central directory stays intact.
    bytes.fill(0xff, 60, 90)
    await writeFile(archive, bytes)

    const destination = path.join(tmp.path, 'dest')
    await assert.rejects(extractZipArchive({ archivePath: archive, destinationDir: destination }), {
      code: 'GLR_ARCHIVE_INVALID',
    })
    await assert.rejects(stat(path.join(destination, 'big.txt')), { code: 'ENOENT' })
  })

  it('reports a truncated archive as ArchiveReadError', async () => {
    await using tmp = await makeTempDir()
    await writeTree(tmp.path, { 'src/a.txt': 'a' })
    const { files } = await selectFiles({ projectDir: path.join(tmp.path, 'src'), paths: ['a.txt'] })
    const archive = path.join(tmp.path, 'cut.zip')
    await createZipArchive({ projectDir: path.join(tmp.path, 'src'), entries: files, destination: archive })
    await writeFile(archive, (await readFile(archive)).subarray(0, 40))

    await assert.rejects(extractZipArchive({ archivePath: archive, destinationDir: path.join(tmp.path, 'd') }), {
      code: 'GLR_ARCHIVE_INVALID',
    })
  })
})
