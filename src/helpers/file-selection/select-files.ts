/**
 * Chooses the files for a cache or artifact archive, like the official helper's file
 * archiver (job-execution.md 14.2): paths with doublestar globs, exclude patterns and
 * git-untracked files, all relative to the project dir and never leaving it.
 */
import { lstat, readdir, readlink, realpath } from 'node:fs/promises'
import path from 'node:path'
import {
  helperInfo,
  helperWarning,
  warningsOf,
  type ReportLine,
} from '../helper-log/report-line.js'
import { compileMatcher, relativeInside, splitGlob, type PathMatcher } from './glob-path.js'
import { entryTypeOf, type SelectedEntry } from './selected-entry.js'
import { listUntrackedFiles } from './untracked-files.js'

export interface SelectFilesOptions {
  /** Absolute path of the project (build) directory; every path is relative to it. */
  projectDir: string
  paths: readonly string[]
  exclude?: readonly string[]
  untracked?: boolean
}

export interface SelectFilesResult {
  /** Sorted by path, without duplicates. */
  files: SelectedEntry[]
  /** Helper log lines in the order the official helper prints them. */
  lines: ReportLine[]
  warnings: string[]
}

interface Excluder {
  pattern: string
  matches: PathMatcher
  count: number
}

class Selection {
  readonly entries = new Map<string, SelectedEntry>()
  readonly lines: ReportLine[] = []

  constructor(
    readonly projectDir: string,
    readonly realProjectDir: string,
    readonly excluders: Excluder[],
  ) {}

  isExcluded(relativePath: string): boolean {
    const excluder = this.excluders.find((candidate) => candidate.matches(relativePath))
    if (excluder === undefined) return false

    excluder.count++

    return true
  }

  /** Adds one path (not its children); false when excluded, refused or not archivable. */
  async add(relativePath: string): Promise<boolean> {
    if (relativePath.split('/').includes('.git')) {
      this.lines.push(helperWarning(`${relativePath}: .git directories are not archived`))

      return false
    }

    if (this.isExcluded(relativePath)) return false

    const existing = this.entries.get(relativePath)
    if (existing !== undefined) return true

    const absolute = path.join(this.projectDir, relativePath)
    const stats = await lstat(absolute)
    const type = entryTypeOf(stats)
    if (type === undefined) return false

    const entry: SelectedEntry = {
      path: relativePath,
      type,
      mode: stats.mode,
      sizeBytes: type === 'directory' ? 0 : stats.size,
      mtime: stats.mtime,
    }
    if (type === 'symlink') {
      entry.linkTarget = await readlink(absolute)
      entry.sizeBytes = Buffer.byteLength(entry.linkTarget)
    }
    this.entries.set(relativePath, entry)

    return true
  }

  /** Adds a path and, for a real directory, everything below it; returns how many were added. */
  async addTree(relativePath: string): Promise<number> {
    if (relativePath.split('/').includes('.git')) return (await this.add(relativePath)) ? 1 : 0

    let added = 0
    if (relativePath !== '') {
      if (await this.add(relativePath)) added++
      // Only real directories are entered: a symlink to a directory stays a link.
      const stats = await lstatOrUndefined(path.join(this.projectDir, relativePath))
      if (stats?.isDirectory() !== true) return added
    }

    for (const child of await this.children(relativePath)) {
      if (child.isDirectory) added += await this.addTree(child.path)
      else if (await this.add(child.path)) added++
    }

    return added
  }

  /** Walks below `relativeBase` and adds every path the pattern matches, with its tree. */
  async addMatches(relativeBase: string, matches: PathMatcher): Promise<number> {
    let added = 0
    for (const child of await this.children(relativeBase)) {
      if (matches(child.path)) added += await this.addTree(child.path)
      else if (child.isDirectory && child.name !== '.git') {
        added += await this.addMatches(child.path, matches)
      }
    }

    return added
  }

  /** Children of a real directory (symlinks are listed, never entered). */
  private async children(
    relativePath: string,
  ): Promise<{ name: string; path: string; isDirectory: boolean }[]> {
    const absolute = path.join(this.projectDir, relativePath)
    let dirents
    try {
      dirents = await readdir(absolute, { withFileTypes: true })
    } catch (error) {
      if (isCode(error, 'ENOTDIR') || isCode(error, 'ENOENT')) return []
      throw error
    }

    return dirents
      .map((dirent) => ({
        name: dirent.name,
        path: relativePath === '' ? dirent.name : `${relativePath}/${dirent.name}`,
        isDirectory: dirent.isDirectory(),
      }))
      .sort((a, b) => compareText(a.name, b.name))
  }

  /**
   * True when the deepest existing directory above `relativePath` really is inside the
   * project: a symlinked directory on the way may lead out even if the text stays in.
   */
  async parentStaysInside(relativePath: string, includingSelf = false): Promise<boolean> {
    const absolute = path.join(this.projectDir, relativePath)
    let current = includingSelf ? absolute : path.dirname(absolute)
    for (;;) {
      try {
        const real = await realpath(current)

        return relativeInside(this.realProjectDir, real) !== undefined
      } catch (error) {
        if (!isCode(error, 'ENOENT') && !isCode(error, 'ENOTDIR')) throw error
        const parent = path.dirname(current)
        if (parent === current) return false
        current = parent
      }
    }
  }
}

export async function selectFiles(options: SelectFilesOptions): Promise<SelectFilesResult> {
  const projectDir = path.resolve(options.projectDir)
  const excluders = (options.exclude ?? []).map((pattern) => ({
    pattern,
    matches: compileMatcher(toProjectRelativePattern(projectDir, pattern)),
    count: 0,
  }))
  const selection = new Selection(projectDir, await realpath(projectDir), excluders)

  for (const rawPath of options.paths) await processPath(selection, rawPath)
  if (options.untracked === true) await processUntracked(selection)
  for (const excluder of excluders) {
    selection.lines.push(helperInfo(`${excluder.pattern}: excluded ${excluder.count} files`))
  }

  const files = [...selection.entries.values()].sort((a, b) => compareText(a.path, b.path))

  return { files, lines: selection.lines, warnings: warningsOf(selection.lines) }
}

async function processPath(selection: Selection, rawPath: string): Promise<void> {
  const { base, pattern } = splitGlob(rawPath)
  const relativeBase = relativeInside(selection.projectDir, path.resolve(selection.projectDir, base))
  if (relativeBase === undefined) {
    selection.lines.push(
      helperWarning(`processPath: artifact path is not a subpath of project directory: ${rawPath}`),
    )

    return
  }

  // A glob walks its base directory, so the base itself must stay inside; a plain path
  // is archived as it is (a symlink stays a link), so only its parents matter.
  const staysInside =
    relativeBase === '' || (await selection.parentStaysInside(relativeBase, pattern !== undefined))
  if (!staysInside) {
    selection.lines.push(helperWarning(`${rawPath}: not supported: outside build directory`))

    return
  }

  let count = 0
  if (pattern === undefined) {
    if (await exists(path.join(selection.projectDir, relativeBase))) {
      count = await selection.addTree(relativeBase)
    }
  } else {
    const fullPattern = relativeBase === '' ? pattern : `${relativeBase}/${pattern}`
    const baseStats = await lstatOrUndefined(path.join(selection.projectDir, relativeBase))
    // A symlinked base is not entered: globbing never follows symlinks.
    if (baseStats?.isDirectory() === true) {
      count = await selection.addMatches(relativeBase, compileMatcher(fullPattern))
    }
  }

  selection.lines.push(
    count > 0
      ? helperInfo(`${rawPath}: found ${count} matching artifact files and directories`)
      : helperWarning(
          `${rawPath}: no matching files. Ensure that the artifact path is relative to the working directory (${selection.projectDir})`,
        ),
  )
}

async function processUntracked(selection: Selection): Promise<void> {
  const listed = await listUntrackedFiles(selection.projectDir)
  if (!listed.ok) {
    selection.lines.push(helperWarning(`untracked: ${listed.error}`))

    return
  }

  let count = 0
  for (const relativePath of listed.paths) {
    if (relativeInside(selection.projectDir, path.resolve(selection.projectDir, relativePath)) === undefined) {
      continue
    }
    try {
      if (await selection.add(relativePath)) count++
    } catch (error) {
      // The file vanished between git listing it and us reading it.
      if (!isCode(error, 'ENOENT')) throw error
    }
  }

  selection.lines.push(
    count > 0 ? helperInfo(`untracked: found ${count} files`) : helperWarning('untracked: no files'),
  )
}

/** Exclude patterns may be written as `./x` or as absolute paths inside the project. */
function toProjectRelativePattern(projectDir: string, pattern: string): string {
  if (!path.isAbsolute(pattern)) return pattern

  return relativeInside(projectDir, pattern) ?? pattern
}

async function lstatOrUndefined(absolute: string) {
  try {
    return await lstat(absolute)
  } catch (error) {
    if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return undefined
    throw error
  }
}

async function exists(absolute: string): Promise<boolean> {
  return (await lstatOrUndefined(absolute)) !== undefined
}

export function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code
}

/** Byte-wise order, like Go's sort.Strings, independent of locale. */
function compareText(a: string, b: string): number {
  if (a === b) return 0

  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}
