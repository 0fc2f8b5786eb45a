/**
 * Where runner-side stages (cache and artifacts) read and write the build's files.
 *
 * With the shell executor the build directory is on the runner's own file system and the
 * stages work on it directly. Executors whose files live elsewhere (a container, an SSH
 * host) offer a BuildFileTransfer instead: the stage then works on a local mirror — for
 * reading stages only the top-level folders its patterns can match are copied out; for
 * writing stages what it produced is copied in afterwards. Without either, the stage fails
 * clearly.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GlrunnerError } from '../../core/errors.js'
import type { RunnerStageContext } from './runner-stage.js'

export class StageNotSupportedError extends GlrunnerError {
  constructor(action: string) {
    super('GLR_STAGE_UNSUPPORTED', `${action} is not supported by this executor yet`, {
      failureReason: 'runner_system_failure',
      hint: 'Run jobs with cache, artifacts or dependencies on the shell executor for now.',
    })
  }
}

export interface HostFiles {
  /** The project directory (the cwd of the official helper), or its local mirror. */
  projectDir: string
  /** A scratch folder for downloaded and built archives. */
  tmpDir: string
}

/** What a stage does with the build's files. */
export type FilesAccess =
  /** Reads files matching these patterns (artifact paths, cache paths); `untracked` needs all. */
  | { mode: 'read'; patterns: string[]; untracked: boolean }
  /** Writes files into the project dir (extracting caches and dependencies). */
  | { mode: 'write' }

const GLOB_CHARACTERS = /[*?[\]{}!]/

/**
 * The project-relative folders a set of glob patterns can match in, e.g. `dist/**` →
 * `dist`, `coverage/*.xml` → `coverage`, `*.txt` → `.` (the whole project).
 */
export function patternRoots(patterns: string[], untracked: boolean): string[] {
  if (untracked) return ['.']
  const roots = new Set<string>()
  for (const pattern of patterns) {
    const segments = pattern.replace(/^\.\//, '').split('/')
    const literal: string[] = []
    for (const segment of segments) {
      if (GLOB_CHARACTERS.test(segment) || segment === '..') break
      literal.push(segment)
    }
    const first = literal[0]
    if (first === undefined || first === '' || first === '.' || literal.length === segments.length && segments.length === 1 && GLOB_CHARACTERS.test(pattern)) {
      return ['.']
    }
    roots.add(first)
  }

  return [...roots]
}

/**
 * Runs `work` with the build's directories on this machine: the real ones (shell) or a
 * mirror synchronised through the executor's file transfer.
 */
export async function withHostFiles<T>(
  context: RunnerStageContext,
  action: string,
  access: FilesAccess,
  work: (files: HostFiles) => Promise<T>,
): Promise<T> {
  const projectDir = context.hostProjectDir
  if (projectDir !== undefined) {
    const tmpDir = `${projectDir}.tmp`
    await mkdir(tmpDir, { recursive: true })

    return work({ projectDir, tmpDir })
  }

  const transfer = context.files
  if (transfer === undefined) throw new StageNotSupportedError(action)

  const mirror = await mkdtemp(join(tmpdir(), 'glrunner-files-'))
  const files = { projectDir: join(mirror, 'project'), tmpDir: join(mirror, 'tmp') }
  try {
    await mkdir(files.projectDir, { recursive: true })
    await mkdir(files.tmpDir, { recursive: true })
    if (access.mode === 'read') await transfer.download(patternRoots(access.patterns, access.untracked), files.projectDir, context.signal)
    const result = await work(files)
    // A cache miss or an empty archive leaves nothing to copy in.
    const produced = access.mode === 'write' && (await readdir(files.projectDir)).length > 0
    if (produced) await transfer.upload(files.projectDir, context.signal)

    return result
  } finally {
    await rm(mirror, { recursive: true, force: true })
  }
}
