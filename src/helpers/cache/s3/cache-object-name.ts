/**
 * Where a cache archive lives in the bucket (job-execution.md 13.5):
 * `<Path>/[runner/<short token>/]project/<project id>/<key>`, and with FF_HASH_CACHE_KEYS
 * `…/project/<id>/<first 2 hex>/<sha256>`. The archive is the object itself, no file name
 * is appended.
 */
import path from 'node:path'

export interface CacheObjectPrefixOptions {
  /** `[runners.cache] Path`. */
  path: string
  /** `[runners.cache] Shared`. */
  shared: boolean
  /** The runner's short token (core/tokens.ts `shortToken`). */
  shortToken: string
  projectId: number
}

/** `<Path>/[runner/<short token>/]project/<id>`, without leading or trailing slashes. */
export function cacheObjectPrefix(options: CacheObjectPrefixOptions): string {
  const runner = options.shared ? [] : ['runner', options.shortToken]
  const joined = path.posix.join(options.path, ...runner, 'project', String(options.projectId))

  // A Path of "/cache/" would otherwise give object names starting with "/".
  return joined.replace(/^\/+/, '').replace(/\/+$/, '')
}

/**
 * The object name for a storage key, or undefined when the key would leave the project
 * prefix (the distributed cache is then skipped for that entry, like the official runner).
 */
export function cacheObjectName(prefix: string, storageKey: string, options: { hashedKeys?: boolean } = {}): string | undefined {
  const key = options.hashedKeys === true ? `${storageKey.slice(0, 2)}/${storageKey}` : storageKey
  const name = path.posix.join(prefix, key)
  if (storageKey === '' || !name.startsWith(`${prefix}/`)) return undefined

  return name
}
