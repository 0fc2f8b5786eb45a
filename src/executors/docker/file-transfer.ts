/**
 * BuildFileTransfer over the Engine's archive API: the runner cannot see a container's
 * files (the engine may even be remote), so cache and artifact helpers work on a local
 * mirror that is filled from, and written back to, the project dir as tar streams.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { lstat, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises'
import { dirname, join, posix, relative, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { extract, pack, type Header, type Pack } from 'tar-stream'
import { GlrunnerError } from '../../core/errors.js'
import type { BuildFileTransfer } from '../executor.js'
import type { ContainerClient } from './container-client.js'

export interface ArchiveFileTransferOptions {
  client: ContainerClient
  /** A container (running or not) that mounts the project dir. */
  containerId: () => Promise<string>
  projectDir: string
}

export function createArchiveFileTransfer(options: ArchiveFileTransferOptions): BuildFileTransfer {
  return {
    download: (paths, localDir, signal) => download(options, paths, localDir, signal),
    upload: (localDir, signal) => upload(options, localDir, signal),
  }
}

/** A relative path that stays inside the project dir, POSIX-normalised; '.' for the root. */
function cleanRelative(path: string): string {
  const normalised = posix.normalize(path.replaceAll('\\', '/')).replace(/\/+$/, '')
  if (posix.isAbsolute(normalised) || normalised === '..' || normalised.startsWith('../')) {
    throw new GlrunnerError('GLR_DOCKER_TRANSFER_PATH', `path ${JSON.stringify(path)} is outside the project directory`)
  }

  return normalised === '' ? '.' : normalised
}

async function download(options: ArchiveFileTransferOptions, paths: string[], localDir: string, signal: AbortSignal): Promise<void> {
  const id = await options.containerId()
  const root = resolve(localDir)
  await mkdir(root, { recursive: true })
  for (const path of paths) {
    signal.throwIfAborted()
    const rel = cleanRelative(path)
    const source = rel === '.' ? options.projectDir : posix.join(options.projectDir, rel)
    const tar = await options.client.getArchive(id, source)
    if (tar === undefined) continue

    // Docker names entries after the last component of `source`: map that onto `rel`.
    await extractInto(tar, root, rel, signal)
  }
}

async function extractInto(tar: Readable, root: string, rel: string, signal: AbortSignal): Promise<void> {
  const unpack = extract()
  const done = pipeline(tar, unpack, { signal })
  for await (const entry of unpack) {
    const header = entry.header
    const name = header.name.replace(/^\.\//, '').replace(/\/+$/, '')
    const inner = name.includes('/') ? name.slice(name.indexOf('/') + 1) : ''
    const target = resolve(root, rel, inner)
    if (target !== root && !target.startsWith(root + sep)) {
      entry.resume()
      continue
    }
    await writeEntry(entry as unknown as Readable, header, target)
  }
  await done
}

async function writeEntry(entry: Readable, header: Header, target: string): Promise<void> {
  if (header.type === 'directory') {
    await mkdir(target, { recursive: true })
    entry.resume()

    return
  }

  await mkdir(dirname(target), { recursive: true })
  await rm(target, { force: true, recursive: false }).catch(() => undefined)
  if (header.type === 'symlink') {
    await symlink(header.linkname ?? '', target)
    entry.resume()
  } else if (header.type === 'file' || header.type === 'contiguous-file') {
    await pipeline(entry, createWriteStream(target, { mode: (header.mode ?? 0o644) & 0o777 }))
  } else {
    entry.resume()
  }
}

async function upload(options: ArchiveFileTransferOptions, localDir: string, signal: AbortSignal): Promise<void> {
  const id = await options.containerId()
  const root = resolve(localDir)
  const tar = pack()
  const packing = packTree(tar, root, root).then(() => tar.finalize(), (err: unknown) => tar.destroy(err as Error))
  await options.client.putArchive(id, options.projectDir, Readable.from(tar))
  await packing
  signal.throwIfAborted()
}

async function packTree(tar: Pack, root: string, dir: string): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name)
    const entryName = relative(root, path).split(sep).join('/')
    const stat = await lstat(path)
    if (stat.isDirectory()) {
      await addEntry(tar, { name: entryName, type: 'directory', mode: stat.mode & 0o7777 })
      await packTree(tar, root, path)
    } else if (stat.isSymbolicLink()) {
      await addEntry(tar, { name: entryName, type: 'symlink', linkname: await readlink(path) })
    } else if (stat.isFile()) {
      const sink = tar.entry({ name: entryName, size: stat.size, mode: stat.mode & 0o7777, mtime: stat.mtime })
      await pipeline(createReadStream(path), sink)
    }
  }
}

function addEntry(tar: Pack, header: Partial<Header> & { name: string }): Promise<void> {
  return new Promise((resolvePromise, reject) => tar.entry(header, (err) => (err ? reject(err) : resolvePromise())))
}
