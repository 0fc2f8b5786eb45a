/**
 * Cache keys as the official runner treats them (job-execution.md 13.1, case C-12): the
 * default key, sanitising into a path that cannot leave the cache directory, and the
 * FF_HASH_CACHE_KEYS alternative.
 */
import { createHash } from 'node:crypto'
import path from 'node:path'

export type SanitizedCacheKey =
  | { ok: true; key: string; warning?: string }
  | { ok: false; warning: string }

/** Longest file name most file systems accept, in bytes. */
const MAX_SEGMENT_BYTES = 255

/**
 * Turns a key into a relative path inside a virtual root: `%2f`/`%2e` decoded, `\` made
 * `/`, `.` and `..` resolved so nothing climbs out, the leading `/` dropped, trailing
 * whitespace removed from the last segments (dropping emptied ones). Beyond the official
 * runner: a NUL byte makes a key unusable, and a segment too long for a file name is
 * shortened with a hash so it still maps to one distinct directory.
 */
export function sanitizeCacheKey(raw: string): SanitizedCacheKey {
  const unusable = { ok: false as const, warning: `cache key "${raw}" could not be sanitized` }
  if (raw.includes('\0')) return unusable

  let key = raw.replace(/%2f/gi, '/').replace(/%2e/gi, '.').replace(/\\/g, '/')
  // Trimming can turn `a/..  ` into `a/..`, so normalise until nothing changes.
  for (;;) {
    const next = trimTrailingBlanks(path.posix.normalize(`/${key}`).replace(/^\/+/, '').replace(/\/+$/, ''))
    if (next === key) break
    key = next
  }

  key = key.split('/').map(shortenSegment).join('/')
  if (key === '' || key === '.') return unusable
  if (key === raw) return { ok: true, key }

  return { ok: true, key, warning: `cache key "${raw}" sanitized to "${key}"` }
}

function trimTrailingBlanks(key: string): string {
  const segments = key.split('/')
  while (segments.length > 0) {
    const last = segments.pop()!.trimEnd()
    if (last !== '') {
      segments.push(last)
      break
    }
  }

  return segments.join('/')
}

function shortenSegment(segment: string): string {
  if (Buffer.byteLength(segment) <= MAX_SEGMENT_BYTES) return segment

  const digest = createHash('sha256').update(segment).digest('hex').slice(0, 16)
  let prefix = Buffer.from(segment).subarray(0, 200).toString('utf8')
  // A cut inside a multi-byte character decodes to U+FFFD; drop it.
  prefix = prefix.replace(/\uFFFD+$/, '')

  return `${prefix}-${digest}`
}

/** FF_HASH_CACHE_KEYS: the storage name is the key's SHA-256 in lower-case hex. */
export function hashCacheKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** A key ready to use: `key` is shown in messages, `storageKey` names the directory/object. */
export interface CacheKey {
  key: string
  storageKey: string
}

/** The default key when the entry has none: `<job name>/<git ref>`, e.g. `test/main`. */
export function defaultCacheKey(jobName: string, ref: string): string {
  return `${jobName}/${ref}`
}

/**
 * Turns an already expanded key into a CacheKey; undefined when it sanitises to nothing.
 * `warnings` holds the script warnings to print (sanitised / could not be sanitised).
 */
export function computeCacheKey(options: {
  /** The entry's key after variable expansion; empty means the default key. */
  key: string
  jobName: string
  ref: string
  hashKeys?: boolean
}): { cacheKey: CacheKey | undefined; warnings: string[] } {
  const raw = options.key === '' ? defaultCacheKey(options.jobName, options.ref) : options.key
  if (options.hashKeys === true) return { cacheKey: { key: raw, storageKey: hashCacheKey(raw) }, warnings: [] }

  const sanitized = sanitizeCacheKey(raw)
  const warnings = sanitized.warning === undefined ? [] : [sanitized.warning]
  if (!sanitized.ok) return { cacheKey: undefined, warnings }

  return { cacheKey: { key: sanitized.key, storageKey: sanitized.key }, warnings }
}
