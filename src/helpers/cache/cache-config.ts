/**
 * The `[runners.cache]` table of config.toml (job-execution.md 13.5), read from the plain
 * object the config loader keeps. Key names are the official runner's (`Type`, `Path`,
 * `Shared`, `[runners.cache.s3] ServerAddress`, …). Unknown keys are ignored, as the
 * official runner ignores them; a key with the wrong type is an error naming the key.
 */
import { ConfigError } from '../../core/errors.js'

export const CACHE_TYPES = ['s3', 'gcs', 'azure'] as const
export type CacheType = (typeof CACHE_TYPES)[number]

export const S3_AUTHENTICATION_TYPES = ['access-key', 'iam'] as const
export type S3AuthenticationType = (typeof S3_AUTHENTICATION_TYPES)[number]

export const S3_ENCRYPTION_TYPES = ['S3', 'KMS', 'DSSE-KMS'] as const
export type S3EncryptionType = (typeof S3_ENCRYPTION_TYPES)[number]

export interface S3CacheConfig {
  /** host[:port]; empty means AWS. */
  serverAddress: string
  accessKey: string
  secretKey: string
  sessionToken: string
  bucketName: string
  /** The region; empty means us-east-1. */
  bucketLocation: string
  /** http instead of https. */
  insecure: boolean
  pathStyle: boolean
  /** AWS only: the dual-stack endpoint (default true). */
  dualStack: boolean
  /** AWS only: the transfer-acceleration endpoint. */
  accelerate: boolean
  /** `access-key` when keys are set, else `iam`, unless given. */
  authenticationType: S3AuthenticationType
  serverSideEncryption: S3EncryptionType | undefined
  serverSideEncryptionKeyId: string
  roleArn: string
  uploadRoleArn: string
}

export interface CacheConfig {
  /** Undefined: local cache only. */
  type: CacheType | undefined
  /** Prefix inside the bucket. */
  path: string
  /** False: objects live under `runner/<short token>/`. */
  shared: boolean
  /** 0 means unlimited. */
  maxUploadedArchiveSizeBytes: number
  s3: S3CacheConfig | undefined
}

type Table = Record<string, unknown>

/** Parses `[runners.cache]`; `undefined` or `{}` gives a local-only config. */
export function parseCacheConfig(raw: Readonly<Table> | undefined): CacheConfig {
  const table = raw ?? {}
  const type = cacheType(table)

  return {
    type,
    path: stringKey(table, 'Path', '[runners.cache]'),
    shared: booleanKey(table, 'Shared', '[runners.cache]', false),
    maxUploadedArchiveSizeBytes: sizeKey(table, 'MaxUploadedArchiveSize', '[runners.cache]'),
    s3: type === 's3' || table.s3 !== undefined ? parseS3(subTable(table, 's3')) : undefined,
  }
}

function cacheType(table: Table): CacheType | undefined {
  const value = stringKey(table, 'Type', '[runners.cache]').trim().toLowerCase()
  if (value === '') return undefined
  if ((CACHE_TYPES as readonly string[]).includes(value)) return value as CacheType

  throw new ConfigError(`[runners.cache] Type: unknown cache type "${value}"`, {
    hint: `Use one of ${CACHE_TYPES.join(', ')}, or leave Type out for a local cache only.`,
  })
}

function parseS3(table: Table): S3CacheConfig {
  const where = '[runners.cache.s3]'
  const accessKey = stringKey(table, 'AccessKey', where)
  const secretKey = stringKey(table, 'SecretKey', where)
  const serverAddress = stringKey(table, 'ServerAddress', where).trim()
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(serverAddress)) {
    throw new ConfigError(`${where} ServerAddress: expected host[:port] without a scheme, got "${serverAddress}"`, {
      hint: 'Write the host and port only; set Insecure = true for plain http.',
    })
  }

  return {
    serverAddress,
    accessKey,
    secretKey,
    sessionToken: stringKey(table, 'SessionToken', where),
    bucketName: stringKey(table, 'BucketName', where),
    bucketLocation: stringKey(table, 'BucketLocation', where),
    insecure: booleanKey(table, 'Insecure', where, false),
    pathStyle: booleanKey(table, 'PathStyle', where, false),
    dualStack: booleanKey(table, 'DualStack', where, true),
    accelerate: booleanKey(table, 'Accelerate', where, false),
    authenticationType: authenticationType(table, accessKey !== '' && secretKey !== ''),
    serverSideEncryption: encryptionType(table),
    serverSideEncryptionKeyId: stringKey(table, 'ServerSideEncryptionKeyID', where),
    roleArn: stringKey(table, 'RoleARN', where),
    uploadRoleArn: stringKey(table, 'UploadRoleARN', where),
  }
}

function authenticationType(table: Table, hasKeys: boolean): S3AuthenticationType {
  const value = stringKey(table, 'AuthenticationType', '[runners.cache.s3]').trim().toLowerCase()
  if (value === '') return hasKeys ? 'access-key' : 'iam'
  if ((S3_AUTHENTICATION_TYPES as readonly string[]).includes(value)) return value as S3AuthenticationType

  throw new ConfigError(`[runners.cache.s3] AuthenticationType: unknown value "${value}"`, {
    hint: `Use one of ${S3_AUTHENTICATION_TYPES.join(', ')}.`,
  })
}

function encryptionType(table: Table): S3EncryptionType | undefined {
  const value = stringKey(table, 'ServerSideEncryption', '[runners.cache.s3]').trim().toUpperCase()
  if (value === '') return undefined
  if ((S3_ENCRYPTION_TYPES as readonly string[]).includes(value)) return value as S3EncryptionType

  throw new ConfigError(`[runners.cache.s3] ServerSideEncryption: unknown value "${value}"`, {
    hint: `Use one of ${S3_ENCRYPTION_TYPES.join(', ')}, or leave it out.`,
  })
}

function subTable(table: Table, key: string): Table {
  const value = table[key]
  if (value === undefined) return {}
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Table

  throw new ConfigError(`[runners.cache] ${key}: expected a table ([runners.cache.${key}]), got ${describe(value)}`)
}

function stringKey(table: Table, key: string, where: string): string {
  const value = table[key]
  if (value === undefined) return ''
  if (typeof value === 'string') return value

  throw new ConfigError(`${where} ${key}: expected a string, got ${describe(value)}`)
}

function booleanKey(table: Table, key: string, where: string, fallback: boolean): boolean {
  const value = table[key]
  if (value === undefined) return fallback
  if (typeof value === 'boolean') return value

  throw new ConfigError(`${where} ${key}: expected true or false, got ${describe(value)}`)
}

function sizeKey(table: Table, key: string, where: string): number {
  const value = table[key]
  if (value === undefined) return 0
  const size = typeof value === 'bigint' ? Number(value) : value
  if (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) return size

  throw new ConfigError(`${where} ${key}: expected a size in bytes (an integer, 0 for no limit), got ${describe(value)}`)
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`
  if (Array.isArray(value)) return 'an array'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'a table'

  return String(value)
}
