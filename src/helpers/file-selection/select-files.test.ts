import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, it } from 'node:test'
import { makeTempDir, writeTree } from '../../../test/helpers-archive/file-tree.js'
import { selectFiles } from './select-files.js'

function messages(lines: { kind: string; message: string }[]): string[] {
  return lines.map((line) => line.message)
}

describe('selectFiles', () => {
  it('C-13: ** spans zero or more directories, exclude removes matches, outside and missing paths only warn', async () => {
    await using tmp = await makeTempDir()
    const projectDir = path.join(tmp.path, 'builds')
    await writeTree(projectDir, {
      'out/a.apk': 'a',
      'out/x/y/b.apk': 'b',
      'out/x/notes.txt': 'n',
      'out/tmp/c.apk': 'c',
      'docs/space dir/readme.md': 'r',
    })
    await writeFile(path.join(tmp.path, 'outside.txt'), 'secret')

    const result = await selectFiles({
      projectDir,
      paths: ['out/**/*.apk', 'docs/', '../outside.txt', 'missing/**'],
      exclude: ['out/tmp/**', 'docs/**/*.md'],
    })

    const filePaths = result.files.filter((entry) => entry.type === 'file').map((entry) => entry.path)
    assert.deepEqual(filePaths, ['out/a.apk', 'out/x/y/b.apk'])
    assert.ok(result.files.every((entry) => !entry.path.endsWith('.md')))
    assert.deepEqual(messages(result.lines), [
      'out/**/*.apk: found 2 matching artifact files and directories',
      'docs/: found 2 matching artifact files and directories',
      'processPath: artifact path is not a subpath of project directory: ../outside.txt',
      `missing/**: no matching files. Ensure that the artifact path is relative to the working directory (${projectDir})`,
      'out/tmp/**: excluded 1 files',
      'docs/**/*.md: excluded 1 files',
    ])
    assert.equal(result.warnings.length, 2)
  })

  it('includes a directory path with its whole tree, sorted, with directory entries', async () => {
    await using tmp = await makeTempDir()
    await writeTree(tmp.path, { 'vendor/b.txt': 'b', 'vendor/a/c.txt': 'c', 'other.txt': 'o' })

    const result = await selectFiles({ projectDir: tmp.path, paths: ['vendor'] })

    assert.deepEqual(
      result.files.map((entry) => `${entry.type}:${entry.path}`),
      ['directory:vendor', 'directory:vendor/a', 'file:vendor/a/c.txt', 'file:vendor/b.txt'],
    )
  })

  it('refuses absolute paths outside the project and symlinked directories leading out', async () => {
    await using tmp = await makeTempDir()
    const projectDir = path.join(tmp.path, 'project')
    await writeTree(tmp.path, { 'secret/key.txt': 'k' })
    await writeTree(projectDir, { 'escape': { link: '../secret' }, 'in.txt': 'i' })

    const result = await selectFiles({
      projectDir,
      paths: [path.join(tmp.path, 'secret/key.txt'), 'escape/key.txt', 'escape/*.txt', path.join(projectDir, 'in.txt')],
    })

    assert.deepEqual(result.files.map((entry) => entry.path), ['in.txt'])
    assert.deepEqual(result.warnings, [
      `processPath: artifact path is not a subpath of project directory: ${path.join(tmp.path, 'secret/key.txt')}`,
      'escape/key.txt: not supported: outside build directory',
      'escape/*.txt: not supported: outside build directory',
    ])
  })

  it('stores symlinks as symlinks and never follows them, even when selected directly', async () => {
    await using tmp = await makeTempDir()
    const projectDir = path.join(tmp.path, 'project')
    await writeTree(tmp.path, { 'outside/big.txt': 'x' })
    await writeTree(projectDir, { 'dir/link-out': { link: '../../outside' }, 'dir/file.txt': 'f', 'top': { link: 'dir' } })

    const result = await selectFiles({ projectDir, paths: ['dir', 'top', '**/*.txt'] })

    const byPath = new Map(result.files.map((entry) => [entry.path, entry]))
    assert.deepEqual([...byPath.keys()], ['dir', 'dir/file.txt', 'dir/link-out', 'top'])
    assert.equal(byPath.get('dir/link-out')?.type, 'symlink')
    assert.equal(byPath.get('dir/link-out')?.linkTarget, '../../outside')
    assert.equal(byPath.get('top')?.type, 'symlink')
    assert.equal(byPath.get('top')?.linkTarget, 'dir')
  })

  it('refuses .git directories with a warning', async () => {
    await using tmp = await makeTempDir()
    await writeTree(tmp.path, { '.git/HEAD': 'ref', 'a.txt': 'a' })

    const result = await selectFiles({ projectDir: tmp.path, paths: ['*'] })

    assert.deepEqual(result.files.map((entry) => entry.path), ['a.txt'])
    assert.deepEqual(result.warnings, ['.git: .git directories are not archived'])
  })

  it('matches doublestar classes, alternations and dotfiles with *', async () => {
    await using tmp = await makeTempDir()
    await writeTree(tmp.path, { 'a/x.log': '', 'b/x.log': '', 'c/x.log': '', '.hidden.log': '', 'a/deep/x.log': '' })

    const result = await selectFiles({ projectDir: tmp.path, paths: ['{a,b}/*.log', '[c]/x.lo?', '*.log'] })

    assert.deepEqual(result.files.map((entry) => entry.path), ['.hidden.log', 'a/x.log', 'b/x.log', 'c/x.log'])
  })

  it('adds untracked files from real git, including git-ignored ones', async () => {
    await using tmp = await makeTempDir()
    execFileSync('git', ['init', '-q', tmp.path])
    await writeTree(tmp.path, { 'tracked.txt': 't', '.gitignore': 'ignored.txt\n' })
    execFileSync('git', ['-C', tmp.path, 'add', 'tracked.txt', '.gitignore'])
    await writeTree(tmp.path, { 'new/one.txt': '1', 'ignored.txt': 'i', 'skip.tmp': 's' })

    const result = await selectFiles({ projectDir: tmp.path, paths: [], untracked: true, exclude: ['*.tmp'] })

    assert.deepEqual(result.files.map((entry) => entry.path), ['ignored.txt', 'new/one.txt'])
    assert.deepEqual(messages(result.lines), ['untracked: found 2 files', '*.tmp: excluded 1 files'])
  })

  it('warns instead of failing when untracked is asked outside a git repository', async () => {
    await using tmp = await makeTempDir()
    await mkdir(path.join(tmp.path, 'plain'))

    const result = await selectFiles({ projectDir: path.join(tmp.path, 'plain'), paths: [], untracked: true })

    assert.equal(result.files.length, 0)
    assert.equal(result.warnings.length, 1)
    assert.match(result.warnings[0] ?? '', /^untracked: .*not a git repository/i)
  })
})
