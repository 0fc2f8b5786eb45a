export { cacheActions, type CacheActions } from './cache-actions.js'
export {
  cacheEntriesToRestore,
  cacheEntriesToSave,
  restoreCacheEntry,
  saveCacheEntry,
  type CacheEntryOptions,
  type RestoreCacheEntryResult,
  type SaveCacheEntryResult,
} from './cache-entry.js'
export { CachePathError, CachePolicyError } from './cache-errors.js'
export { parseCacheConfig, type CacheConfig, type CacheType, type S3CacheConfig } from './cache-config.js'
export { createCacheStore, type CreateCacheStoreOptions } from './create-cache-store.js'
export { S3CacheStore, type S3CacheStoreOptions } from './s3/s3-cache-store.js'
export { CacheConfigUnsupportedError, CacheTransferError } from './s3/s3-errors.js'
export {
  computeCacheKey,
  defaultCacheKey,
  hashCacheKey,
  sanitizeCacheKey,
  type CacheKey,
  type SanitizedCacheKey,
} from './cache-key.js'
export type { CacheStore, FetchedArchive, StagedArchive } from './cache-store.js'
export { CACHE_ARCHIVE_NAME, CACHE_METADATA_NAME, LocalCacheStore } from './local-cache-store.js'
export { resolveCacheKeys, type ResolveCacheKeysOptions, type ResolvedCacheKeys } from './resolve-cache-keys.js'
export { restoreCache, type RestoreCacheOptions, type RestoreCacheResult } from './restore-cache.js'
export { saveCache, type SaveCacheOptions, type SaveCacheResult } from './save-cache.js'
