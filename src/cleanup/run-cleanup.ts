/**
 * `glrunner cleanup` and the `[cleanup]` schedule of `glrunner run`: which directories
 * belong to the configured runners, one cleanup pass over them (and Docker), and the
 * timer that runs passes on an interval or when free space runs low.
 */
import { statfs } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { GlobalConfig } from '../config/runner-config.js'
import { formatError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { projectSlug } from '../engine/builds-dir.js'
import type { ManagerObserver } from '../manager/runner-manager.js'
import { cleanupSettings, type CleanupSettings } from './cleanup-config.js'
import { cleanDisk, type CleanupDecision, type CleanupRoot } from './disk-cleanup.js'
import { cleanDocker, type DockerCleanupResult } from './docker-cleanup.js'

export interface CleanupReport {
  decisions: CleanupDecision[]
  docker: DockerCleanupResult | undefined
  freedBytes: number
}

/**
 * Local directories of the configured runners. Shell and custom executors keep builds and
 * caches on this machine (default ./builds and ./cache); docker keeps caches in cache_dir
 * when set; ssh's directories are on the remote host and are never touched.
 */
export function cleanupRoots(config: GlobalConfig, cwd: string = process.cwd()): CleanupRoot[] {
  const roots = new Map<string, CleanupRoot>()
  const add = (kind: CleanupRoot['kind'], path: string) => roots.set(`${kind}:${resolve(cwd, path)}`, { kind, path: resolve(cwd, path) })
  for (const runner of config.runners) {
    if (runner.executor === 'shell' || runner.executor === 'custom') {
      add('build', runner.builds_dir || 'builds')
      add('cache', runner.cache_dir || 'cache')
    } else if (runner.executor === 'docker' && runner.cache_dir) {
      add('cache', runner.cache_dir)
    }
  }

  return [...roots.values()]
}

export async function runCleanup(o: {
  config: GlobalConfig
  settings: CleanupSettings
  dryRun: boolean
  inUse?: (path: string) => boolean
  cwd?: string
}): Promise<CleanupReport> {
  const decisions = await cleanDisk({ roots: cleanupRoots(o.config, o.cwd), olderThanMs: o.settings.olderThanMs, dryRun: o.dryRun, ...(o.inUse ? { inUse: o.inUse } : {}) })
  const usesDocker = o.config.runners.some((runner) => runner.executor === 'docker')
  const docker = usesDocker && o.settings.docker ? await cleanDocker({ olderThanMs: o.settings.olderThanMs, dryRun: o.dryRun }) : undefined
  const freedBytes = decisions.filter((decision) => decision.action === 'remove').reduce((sum, decision) => sum + decision.unit.bytes, 0)

  return { decisions, docker, freedBytes }
}

/** Tracks running jobs' project slugs per runner, for `inUse`. */
export function runningJobsGuard(): { observer: ManagerObserver; inUse: (path: string) => boolean } {
  const running = new Map<object, { slug: string }>()

  return {
    observer: {
      jobReceived: ({ payload }) => {
        const job = payload as { git_info?: { repo_url?: string }; job_info?: { project_id?: number } }
        const key = {}
        running.set(key, { slug: projectSlug(job.git_info?.repo_url ?? '', job.job_info?.project_id ?? 0) })

        return { finished: () => running.delete(key) }
      },
    },
    // Any runner's copy of a running job's project is kept: keeping too much is the safe side.
    inUse: (path) => [...running.values()].some((job) => [job.slug, `${job.slug}.tmp`, `${job.slug}-empty`].some((name) => path.endsWith(`/${name}`)))
  }
}

/** Runs cleanup passes from `glrunner run`: every `interval`, and when space runs low. */
export function scheduleCleanup(o: { config: () => GlobalConfig; logger: Logger; inUse: (path: string) => boolean; lowSpaceCheckMs?: number }): { stop(): void } {
  let busy = false
  let lastRun = Date.now()
  const pass = async (why: string) => {
    if (busy) return
    busy = true
    lastRun = Date.now()
    try {
      const config = o.config()
      const report = await runCleanup({ config, settings: cleanupSettings(config.extra), dryRun: false, inUse: o.inUse })
      const removed = report.decisions.filter((decision) => decision.action === 'remove').map((decision) => decision.unit.path)
      o.logger.info('cleanup finished', { trigger: why, removed: removed.length, freedBytes: report.freedBytes, docker: report.docker?.skipped ?? report.docker?.items.filter((item) => item.action === 'remove').length })
    } catch (err) {
      o.logger.error('cleanup failed', { trigger: why, error: formatError(err) })
    } finally {
      busy = false
    }
  }
  const tick = async () => {
    const config = o.config()
    let settings: CleanupSettings
    try {
      settings = cleanupSettings(config.extra)
    } catch {
      return
    }
    if (settings.intervalMs > 0 && Date.now() - lastRun >= settings.intervalMs) return pass('interval')
    if (settings.minFreeSpace && (await lowOnSpace(cleanupRoots(config), settings.minFreeSpace))) return pass('low free space')
  }
  const timer = setInterval(() => void tick(), o.lowSpaceCheckMs ?? 60_000)
  timer.unref()

  return { stop: () => clearInterval(timer) }
}

async function lowOnSpace(roots: CleanupRoot[], min: NonNullable<CleanupSettings['minFreeSpace']>): Promise<boolean> {
  for (const root of roots) {
    const fs = await statfs(root.path).catch(() => undefined)
    if (!fs) continue
    const free = fs.bavail * fs.bsize
    if ('bytes' in min ? free < min.bytes : (free / (fs.blocks * fs.bsize)) * 100 < min.percent) return true
  }

  return false
}
