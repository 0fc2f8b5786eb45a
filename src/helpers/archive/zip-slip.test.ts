import assert from 'node:assert/strict'
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises'
import path from 'node:path'
import { describe, it } from 'node:test'
import { makeTempDir, writeTree } from '../../../test/helpers-archive/file-tree.js'
import { writeRawZip } from '../../../test/helpers-archive/raw-zip.js'
import { extractZipArchive } from './extract-zip-archive.js'

async function listTree(root: string, prefix = ''): Promise<string[]> {
  const found: string[] = []
  for (const dirent of await readdir(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix === '' ? dirent.name : `${prefix}/${dirent.name}`
    found.push(relative)
    if (dirent.isDirectory()) found.push(...(await listTree(root, relative)))
  }

  return found.sort()
}

describe('extractZipArchive with hostile archives', () => {
  it('C-14: writes only ok/file.txt; escapes, absolute names, sibling prefixes and writes through symlinks are refused by name', async () => {
    await using tmp = await makeTempDir()
    // A link target outside the destination that would be writable if followed.
    const outsideDir = path.join(tmp.path, 'outside-target')
    await writeTree(outsideDir, { 'keep.txt': 'keep' })
    const absoluteName = path.join(tmp.path, 'abs-escape.txt')
    const archive = path.join(tmp.path, 'artifacts.zip')
    await writeRawZip(archive, [
      { name: 'ok/file.txt', data: 'fine' },
      { name: '../escape.txt', data: 'x' },
      { name: absoluteName, data: 'x' },
      { name: '../builds-sibling/x.txt', data: 'x' },
      { name: 'link', kind: 'symlink', data: outsideDir },
      { name: 'link/owned.txt', data: 'x' },
    ])
    const destination = path.join(tmp.path, 'builds')

    const result = await extractZipArchive({ archivePath: archive, destinationDir: destination })

    assert.deepEqual(await listTree(destination), ['ok', 'ok/file.txt'])
    assert.equal(await readFile(path.join(destination, 'ok/file.txt'), 'utf8'), 'fine')
    assert.deepEqual(await listTree(tmp.path), [
      'artifacts.zip',
      'builds',
      'builds/ok',
      'builds/ok/file.txt',
      'outside-target',
      'outside-target/keep.txt',
    ])
    assert.equal(result.extractedCount, 1)
    assert.deepEqual(
      result.skipped.map((entry) => entry.name),
      ['../escape.txt', absoluteName, '../builds-sibling/x.txt', 'link', 'link/owned.txt'],
    )
    assert.deepEqual(result.warnings, [
      'skipping "../escape.txt": path escapes the destination directory',
      `skipping "${absoluteName}": absolute path is not allowed`,
      'skipping "../builds-sibling/x.txt": path escapes the destination directory',
      `skipping "link": symlink target "${outsideDir}" points outside the destination directory`,
      'skipping "link/owned.txt": parent entry "link" was skipped',
    ])
  })

  it('refuses writing through a symlink the archive itself planted, even one pointing inside', async () => {
    await using tmp = await makeTempDir()
    const archive = path.join(tmp.path, 'a.zip')
    await writeRawZip(archive, [
      { name: 'real/', kind: 'directory' },
      { name: 'alias', kind: 'symlink', data: 'real' },
      { name: 'alias/file.txt', data: 'x' },
      { name: 'alias/sub/', kind: 'directory' },
    ])
    const destination = path.join(tmp.path, 'dest')

    const result = await extractZipArchive({ archivePath: archive, destinationDir: destination })

    assert.equal(await readlink(path.join(destination, 'alias')), 'real')
    assert.deepEqual(await listTree(destination), ['alias', 'real'])
    assert.deepEqual(result.warnings, [
      'skipping "alias/file.txt": would write through symlink "alias"',
      'skipping "alias/sub/": would write through symlink "alias"',
    ])
  })

  it('refuses writing through a symlink that already existed in the destination', async () => {
    await using tmp = await makeTempDir()
    await writeTree(tmp.path, { 'outside/.keep': '' })
    const destination = path.join(tmp.path, 'dest')
    await writeTree(destination, { 'cache': { link: '../outside' } })
    const archive = path.join(tmp.path, 'a.zip')
    await writeRawZip(archive, [{ name: 'cache/evil.txt', data: 'x' }])

    const result = await extractZipArchive({ archivePath: archive, destinationDir: destination })

    assert.deepEqual(await readdir(path.join(tmp.path, 'outside')), ['.keep'])
    assert.deepEqual(result.warnings, ['skipping "cache/evil.txt": would write through symlink "cache"'])
  })

  it('refuses relative symlinks that climb out, backslash names and NUL bytes, but keeps inner relative links', async () => {
    await using tmp = await makeTempDir()
    const archive = path.join(tmp.path, 'a.zip')
    await writeRawZip(archive, [
      { name: 'a/up', kind: 'symlink', data: '../../etc' },
      { name: 'a/in', kind: 'symlink', data: '../b/target.txt' },
      { name: '..\\..\\win.txt', data: 'x' },
      { name: 'nul\0.txt', data: 'x' },
      { name: 'a/../b/target.txt', data: 'inside' },
      { name: './', kind: 'directory' },
    ])
    const destination = path.join(tmp.path, 'dest')

    const result = await extractZipArchive({ archivePath: archive, destinationDir: destination })

    assert.deepEqual(await listTree(destination), ['a', 'a/in', 'b', 'b/target.txt'])
    assert.equal(await readFile(path.join(destination, 'a/in'), 'utf8'), 'inside')
    assert.ok((await lstat(path.join(destination, 'a/in'))).isSymbolicLink())
    assert.deepEqual(result.skipped.map((entry) => entry.reason), [
      'symlink target "../../etc" points outside the destination directory',
      'path escapes the destination directory',
      'name contains a NUL byte',
    ])
    await assert.rejects(stat(path.join(tmp.path, 'win.txt')), { code: 'ENOENT' })
  })
})
