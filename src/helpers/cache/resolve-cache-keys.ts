/**
 * The keys restore tries for one cache entry, in order (job-execution.md 13.3, C-24): the
 * primary key, each `fallback_keys` entry, then CACHE_FALLBACK_KEY. Save only ever uses
 * the primary key.
 *
 * Protected/unprotected separation: GitLab appends `-protected` or `-non_protected` to the
 * keys it sends when caches are separated, but CACHE_FALLBACK_KEY is a plain variable it
 * does not touch, so a value ending in `-protected` could let an unprotected ref read a
 * protected ref's cache. That value is refused (official rule). Going further, when the
 * primary key shows an unprotected ref (`-non_protected`), no fallback key ending in
 * `-protected` is accepted at all.
 */
import type { CacheSpec } from '../../gitlab/job-payload.js'
import { scriptWarning, type ReportLine } from '../helper-log/report-line.js'
import { computeCacheKey, sanitizeCacheKey, type CacheKey } from './cache-key.js'

export interface ResolveCacheKeysOptions {
  spec: CacheSpec
  /** `job_info.name` and `git_info.ref`, for the default key. */
  jobName: string
  ref: string
  /** Expands job variables in the key and fallback keys. */
  expand: (value: string) => string
  /** The raw CACHE_FALLBACK_KEY value (not expanded), if set. */
  fallbackKeyVariable?: string
  /** FF_HASH_CACHE_KEYS. */
  hashKeys?: boolean
}

export interface ResolvedCacheKeys {
  /** Undefined when the key sanitises to nothing: the entry is skipped. */
  primary: CacheKey | undefined
  /** Primary first, then the fallbacks, without duplicates; empty without a primary. */
  restoreKeys: CacheKey[]
  /** Script warnings about sanitising and refused fallback keys, in order. */
  lines: ReportLine[]
}

const PROTECTED_SUFFIX = '-protected'

export function resolveCacheKeys(options: ResolveCacheKeysOptions): ResolvedCacheKeys {
  const lines: ReportLine[] = []
  const primaryResult = computeCacheKey({
    key: options.expand(options.spec.key),
    jobName: options.jobName,
    ref: options.ref,
    hashKeys: options.hashKeys,
  })
  lines.push(...primaryResult.warnings.map(scriptWarning))
  const primary = primaryResult.cacheKey
  if (primary === undefined) return { primary, restoreKeys: [], lines }

  const unprotectedRef = primary.key.endsWith('-non_protected')
  const restoreKeys: CacheKey[] = [primary]
  const addFallback = (raw: string) => {
    if (raw === '') return
    if (unprotectedRef && endsProtected(raw)) {
      lines.push(scriptWarning(`fallback key "${raw}" not allowed to end in "${PROTECTED_SUFFIX}" for an unprotected ref`))

      return
    }
    const result = computeCacheKey({ key: raw, jobName: options.jobName, ref: options.ref, hashKeys: options.hashKeys })
    lines.push(...result.warnings.map(scriptWarning))
    if (result.cacheKey === undefined) return
    if (unprotectedRef && endsProtected(result.cacheKey.key)) {
      lines.push(scriptWarning(`fallback key "${raw}" not allowed to end in "${PROTECTED_SUFFIX}" for an unprotected ref`))

      return
    }
    if (restoreKeys.some((known) => known.storageKey === result.cacheKey?.storageKey)) return
    restoreKeys.push(result.cacheKey)
  }

  for (const fallback of options.spec.fallback_keys) addFallback(options.expand(fallback))

  const variable = options.fallbackKeyVariable ?? ''
  if (variable !== '') {
    const sanitized = sanitizeCacheKey(variable)
    if (endsProtected(variable) || (sanitized.ok && endsProtected(sanitized.key))) {
      lines.push(scriptWarning(`CACHE_FALLBACK_KEY "${variable}" not allowed to end in "${PROTECTED_SUFFIX}"`))
    } else {
      addFallback(variable)
    }
  }

  return { primary, restoreKeys, lines }
}

/** Ends in `-protected` once trailing dots and spaces are ignored (they vanish on some systems). */
function endsProtected(key: string): boolean {
  return key.replace(/[. ]+$/, '').endsWith(PROTECTED_SUFFIX)
}
