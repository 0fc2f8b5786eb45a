/**
 * Picks the cache store for a job from `[runners.cache]`: the local store when no `Type`
 * is set, the S3 store on top of it for `Type = "s3"`. What cannot work here (GCS, Azure,
 * IAM credentials, STS roles) is refused with an error naming the key, never silently
 * downgraded, so the engine can say why the distributed cache is off.
 */
import { ConfigError } from '../../core/errors.js'
import { parseCacheConfig, type CacheConfig, type S3CacheConfig } from './cache-config.js'
import { LocalCacheStore } from './local-cache-store.js'
import { cacheObjectPrefix } from './s3/cache-object-name.js'
import { CacheConfigUnsupportedError } from './s3/s3-errors.js'
import { S3CacheStore } from './s3/s3-cache-store.js'

export interface CreateCacheStoreOptions {
  /** The runner's cache_dir (absolute). */
  localCacheDir: string
  projectSlug: string
  /** `shortToken(runner.token)` from core/tokens.ts. */
  shortToken: string
  projectId: number
  /** FF_HASH_CACHE_KEYS. */
  hashKeys?: boolean
  /** Pre-signed URLs stay valid this long; the official runner uses the job timeout. */
  urlExpiresSeconds?: number
  /** CACHE_REQUEST_TIMEOUT in ms. */
  requestTimeoutMs?: number
}

/** Throws ConfigError or CacheConfigUnsupportedError when `[runners.cache]` cannot be used. */
export function createCacheStore(
  rawCacheConfig: Readonly<Record<string, unknown>> | undefined,
  options: CreateCacheStoreOptions,
): LocalCacheStore | S3CacheStore {
  const config = parseCacheConfig(rawCacheConfig)
  const local = new LocalCacheStore({ cacheDir: options.localCacheDir, projectSlug: options.projectSlug })
  if (config.type === undefined) return local
  if (config.type !== 's3') {
    throw new CacheConfigUnsupportedError(`[runners.cache] Type "${config.type}": not supported yet`, 'Use Type = "s3" or leave Type out for a local cache only.')
  }

  const s3 = usableS3(config)

  return new S3CacheStore({
    s3,
    local,
    objectPrefix: cacheObjectPrefix({ path: config.path, shared: config.shared, shortToken: options.shortToken, projectId: options.projectId }),
    maxUploadedArchiveSizeBytes: config.maxUploadedArchiveSizeBytes,
    hashedKeys: options.hashKeys,
    urlExpiresSeconds: options.urlExpiresSeconds,
    requestTimeoutMs: options.requestTimeoutMs,
  })
}

function usableS3(config: CacheConfig): S3CacheConfig {
  const s3 = config.s3
  if (s3 === undefined) throw new Error('parseCacheConfig returned no s3 table for Type = "s3"')

  if (s3.bucketName === '') {
    throw new ConfigError('[runners.cache.s3] BucketName: required when Type = "s3"')
  }
  if (s3.authenticationType === 'iam') {
    throw new CacheConfigUnsupportedError(
      '[runners.cache.s3] AuthenticationType "iam": not supported, it needs a cloud instance metadata service',
      'Set AccessKey and SecretKey (AuthenticationType = "access-key").',
    )
  }
  if (s3.accessKey === '' || s3.secretKey === '') {
    throw new ConfigError(`[runners.cache.s3] ${s3.accessKey === '' ? 'AccessKey' : 'SecretKey'}: required when AuthenticationType = "access-key"`)
  }
  for (const [key, value] of [['RoleARN', s3.roleArn], ['UploadRoleARN', s3.uploadRoleArn]] as const) {
    if (value !== '') {
      throw new CacheConfigUnsupportedError(`[runners.cache.s3] ${key}: not supported yet, it needs AWS STS`, `Remove ${key} and give AccessKey and SecretKey of a user with access to the bucket.`)
    }
  }

  return s3
}
