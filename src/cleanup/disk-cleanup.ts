/**
 * Finds and removes build directories and local caches nobody used for a while. A build
 * directory is a checkout (a directory holding `.git`, or a `-empty` one for
 * GIT_STRATEGY=empty) with its `<dir>.tmp` sibling; a cache is a directory holding
 * `cache.zip`. Its last use is the newest modification time among the files a job
 * touches (the checkout, .git/index, .git/FETCH_HEAD, the archive), so a job reusing a
 * directory makes it young again.
 *
 * A unit is kept when the caller says a running job uses it, or when a process on this
 * machine has its working directory inside it (a job started by another glrunner).
 */
import { readdir, readlink, rm, rmdir, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'

export type UnitKind = 'build' | 'cache'

export interface CleanupUnit {
  kind: UnitKind
  /** The directory to remove (with `extra` paths). */
  path: string
  extra: string[]
  lastUsedMs: number
  bytes: number
}

export interface CleanupRoot {
  kind: UnitKind
  path: string
}

export interface CleanupDecision {
  unit: CleanupUnit
  action: 'remove' | 'keep'
  reason: string
}

export interface DiskCleanupOptions {
  roots: CleanupRoot[]
  olderThanMs: number
  dryRun: boolean
  now?: number
  /** True when a running job of this process uses the path. */
  inUse?: (path: string) => boolean
  /** Working directories of processes on this machine; default read from /proc. */
  processCwds?: () => Promise<string[]>
}

const MAX_DEPTH = 8

export async function cleanDisk(o: DiskCleanupOptions): Promise<CleanupDecision[]> {
  const now = o.now ?? Date.now()
  const cwds = await (o.processCwds ?? processWorkingDirs)()
  const decisions: CleanupDecision[] = []
  for (const root of o.roots) {
    for (const unit of await findUnits(root)) {
      const paths = [unit.path, ...unit.extra]
      const ageMs = now - unit.lastUsedMs
      let decision: CleanupDecision
      if (paths.some((path) => o.inUse?.(path))) decision = { unit, action: 'keep', reason: 'a running job uses it' }
      else if (cwds.some((cwd) => paths.some((path) => within(path, cwd)))) decision = { unit, action: 'keep', reason: 'a process works in it' }
      else if (ageMs < o.olderThanMs) decision = { unit, action: 'keep', reason: `used ${formatAge(ageMs)} ago` }
      else decision = { unit, action: 'remove', reason: `unused for ${formatAge(ageMs)}` }
      decisions.push(decision)
      if (decision.action === 'remove' && !o.dryRun) {
        for (const path of paths) await rm(path, { recursive: true, force: true })
        await removeEmptyParents(unit.path, root.path)
      }
    }
  }

  return decisions
}

/** Every unit below `root`, without descending into units. */
export async function findUnits(root: CleanupRoot): Promise<CleanupUnit[]> {
  const units: CleanupUnit[] = []
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
    const names = new Set(entries.map((entry) => entry.name))
    const isUnit = root.kind === 'cache' ? names.has('cache.zip') : depth > 0 && (names.has('.git') || dir.endsWith('-empty'))
    if (isUnit) {
      units.push(await describeUnit(root.kind, dir))

      return
    }
    if (depth >= MAX_DEPTH) return
    for (const entry of entries) {
      if (!entry.isDirectory()) continue
      const path = join(dir, entry.name)
      // `<checkout>.tmp` belongs to its checkout; alone (the checkout is gone) it is a unit.
      if (root.kind === 'build' && entry.name.endsWith('.tmp') && names.has(entry.name.slice(0, -4))) continue
      if (root.kind === 'build' && entry.name.endsWith('.tmp')) {
        units.push(await describeUnit('build', path))
        continue
      }
      await walk(path, depth + 1)
    }
  }
  await walk(root.path, 0)

  return units
}

async function describeUnit(kind: UnitKind, path: string): Promise<CleanupUnit> {
  const extra = kind === 'build' && !path.endsWith('.tmp') ? [`${path}.tmp`].filter((candidate) => candidate !== path) : []
  const existingExtra: string[] = []
  for (const candidate of extra) if (await stat(candidate).catch(() => undefined)) existingExtra.push(candidate)
  const touched = kind === 'cache'
    ? [path, join(path, 'cache.zip')]
    : [path, join(path, '.git'), join(path, '.git', 'index'), join(path, '.git', 'FETCH_HEAD'), join(path, '.git', 'HEAD'), ...existingExtra]
  let lastUsedMs = 0
  for (const file of touched) lastUsedMs = Math.max(lastUsedMs, (await stat(file).catch(() => undefined))?.mtimeMs ?? 0)
  let bytes = 0
  for (const dir of [path, ...existingExtra]) bytes += await treeBytes(dir)

  return { kind, path, extra: existingExtra, lastUsedMs, bytes }
}

async function treeBytes(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined)
  if (!info) return 0
  if (!info.isDirectory()) return info.size
  let total = 0
  for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
    const child = join(path, entry.name)
    total += entry.isDirectory() ? await treeBytes(child) : ((await stat(child).catch(() => undefined))?.size ?? 0)
  }

  return total
}

/** Removes directories left empty between `path` and `root` (never `root` itself). */
async function removeEmptyParents(path: string, root: string): Promise<void> {
  let dir = join(path, '..')
  while (within(root, dir) && dir !== root && relative(root, dir) !== '') {
    try {
      await rmdir(dir)
    } catch {
      return
    }
    dir = join(dir, '..')
  }
}

/** The current working directory of every process we may look at (Linux /proc). */
export async function processWorkingDirs(): Promise<string[]> {
  const pids = await readdir('/proc').catch(() => [] as string[])
  const cwds = await Promise.all(pids.filter((pid) => /^\d+$/.test(pid)).map((pid) => readlink(`/proc/${pid}/cwd`).catch(() => undefined)))

  return cwds.filter((cwd): cwd is string => cwd !== undefined)
}

function within(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep)
}

export function formatAge(ms: number): string {
  const hours = ms / 3600_000
  if (hours >= 48) return `${Math.floor(hours / 24)}d`
  if (hours >= 1) return `${Math.floor(hours)}h`

  return `${Math.max(0, Math.floor(ms / 60_000))}m`
}
