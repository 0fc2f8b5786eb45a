/**
 * One `cache[]` entry through a whole restore_cache or archive_cache stage: keys,
 * policy, `when`, then restore or save, with every line the stage prints in order. The
 * engine calls these per entry and prints `lines`; only an unknown policy throws
 * (CachePolicyError), which fails the stage like in the official runner.
 */
import type { CacheSpec } from '../../gitlab/job-payload.js'
import { whenApplies, type JobOutcome } from '../artifacts/artifact-applies.js'
import type { CompressionLevelName } from '../archive/compression-level.js'
import { notice, warningsOf, type ReportLine } from '../helper-log/report-line.js'
import { cacheActions } from './cache-actions.js'
import type { CacheKey } from './cache-key.js'
import type { CacheStore } from './cache-store.js'
import { resolveCacheKeys } from './resolve-cache-keys.js'
import { restoreCache } from './restore-cache.js'
import { saveCache, type SaveCacheResult } from './save-cache.js'

export interface CacheEntryOptions {
  spec: CacheSpec
  /** `job_info.name` and `git_info.ref`, for the default key. */
  jobName: string
  ref: string
  /** Expands job variables (key, fallback keys, policy). */
  expand: (value: string) => string
  /** Raw CACHE_FALLBACK_KEY value, if set. */
  fallbackKeyVariable?: string
  /** FF_HASH_CACHE_KEYS. */
  hashKeys?: boolean
  store: CacheStore
  projectDir: string
}

export interface RestoreCacheEntryResult {
  /** Why nothing was extracted without trying: no paths, policy push, or an empty key. */
  skipped?: 'unusable' | 'policy' | 'empty-key'
  hit?: CacheKey
  lines: ReportLine[]
  warnings: string[]
}

export interface SaveCacheEntryResult {
  skipped?: 'unusable' | 'when' | 'policy' | 'empty-key'
  outcome?: SaveCacheResult['outcome']
  lines: ReportLine[]
  warnings: string[]
}

/** Entries restore_cache handles; the stage is skipped when there are none. */
export function cacheEntriesToRestore(specs: readonly CacheSpec[]): CacheSpec[] {
  return specs.filter((spec) => spec.paths.length > 0 || spec.untracked)
}

/** Entries archive_cache (success) or archive_cache_on_failure handles; skipped when none. */
export function cacheEntriesToSave(specs: readonly CacheSpec[], jobStatus: JobOutcome): CacheSpec[] {
  return cacheEntriesToRestore(specs).filter((spec) => whenApplies(spec.when, jobStatus))
}

export async function restoreCacheEntry(options: CacheEntryOptions): Promise<RestoreCacheEntryResult> {
  const lines: ReportLine[] = []
  const done = (result: Omit<RestoreCacheEntryResult, 'lines' | 'warnings'>) => ({ ...result, lines, warnings: warningsOf(lines) })
  if (cacheEntriesToRestore([options.spec]).length === 0) return done({ skipped: 'unusable' })

  const keys = resolveCacheKeys(options)
  lines.push(...keys.lines)
  if (keys.primary === undefined) {
    lines.push(notice('Skipping cache extraction due to empty cache key'))

    return done({ skipped: 'empty-key' })
  }

  const actions = cacheActions({
    spec: options.spec,
    key: keys.primary.key,
    policy: options.expand(options.spec.policy),
    jobStatus: 'success',
  })
  if (!actions.restore) {
    if (actions.restoreNotice !== undefined) lines.push(notice(actions.restoreNotice))

    return done({ skipped: 'policy' })
  }

  const restored = await restoreCache({ store: options.store, keys: keys.restoreKeys, projectDir: options.projectDir })
  lines.push(...restored.lines)

  return done(restored.hit === undefined ? {} : { hit: restored.hit })
}

export async function saveCacheEntry(
  options: CacheEntryOptions & { jobStatus: JobOutcome; compressionLevel?: number | CompressionLevelName },
): Promise<SaveCacheEntryResult> {
  const lines: ReportLine[] = []
  const done = (result: Omit<SaveCacheEntryResult, 'lines' | 'warnings'>) => ({ ...result, lines, warnings: warningsOf(lines) })
  if (cacheEntriesToRestore([options.spec]).length === 0) return done({ skipped: 'unusable' })
  if (!whenApplies(options.spec.when, options.jobStatus)) return done({ skipped: 'when' })

  const keys = resolveCacheKeys({ ...options, fallbackKeyVariable: undefined, spec: { ...options.spec, fallback_keys: [] } })
  lines.push(...keys.lines)
  if (keys.primary === undefined) {
    lines.push(notice('Skipping cache archiving due to empty cache key'))

    return done({ skipped: 'empty-key' })
  }

  const actions = cacheActions({
    spec: options.spec,
    key: keys.primary.key,
    policy: options.expand(options.spec.policy),
    jobStatus: options.jobStatus,
  })
  if (!actions.save) {
    if (actions.saveNotice !== undefined) lines.push(notice(actions.saveNotice))

    return done({ skipped: 'policy' })
  }

  const saved = await saveCache({
    store: options.store,
    key: keys.primary,
    projectDir: options.projectDir,
    paths: options.spec.paths.map((value) => options.expand(value)),
    untracked: options.spec.untracked,
    compressionLevel: options.compressionLevel,
  })
  lines.push(...saved.lines)

  return done({ outcome: saved.outcome })
}
