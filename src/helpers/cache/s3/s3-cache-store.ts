/**
 * The distributed cache on an S3-compatible server (job-execution.md 13.5). It sits on the
 * local store: every archive is still written to and read from the local cache dir (the
 * official runner keeps the local copy as the "up to date" reference), and the S3 object
 * is synchronised through pre-signed URLs: restore downloads into the local file unless
 * the local file is at least as new; save uploads after the local commit. Pre-signed URLs
 * mean the credentials only ever meet the signer, as with the official runner's helper.
 */
import { stat } from 'node:fs/promises'
import { helperInfo, type ReportLine } from '../../helper-log/report-line.js'
import type { S3CacheConfig } from '../cache-config.js'
import type { CacheStore, FetchedArchive, StagedArchive } from '../cache-store.js'
import { CACHE_ARCHIVE_NAME, type LocalCacheStore } from '../local-cache-store.js'
import { cacheObjectName } from './cache-object-name.js'
import { presignS3Request } from './s3-presign.js'
import { downloadCacheObject, uploadCacheObject, type TransferOptions } from './s3-transfer.js'

export interface S3CacheStoreOptions {
  s3: S3CacheConfig
  /** Keeps the local copies; its lines are replaced by the remote ones. */
  local: LocalCacheStore
  /** `cacheObjectPrefix(…)`: `<Path>/[runner/<short token>/]project/<id>`. */
  objectPrefix: string
  /** `[runners.cache] MaxUploadedArchiveSize`; 0 means unlimited. */
  maxUploadedArchiveSizeBytes: number
  /** FF_HASH_CACHE_KEYS: storage keys are SHA-256 hex and objects get a 2-character fan-out folder. */
  hashedKeys?: boolean
  /** Validity of each pre-signed URL; the official runner uses the job timeout. Default 1 h. */
  urlExpiresSeconds?: number
  /** CACHE_REQUEST_TIMEOUT; default 10 minutes. */
  requestTimeoutMs?: number
  /** Default: 2 retries, 1 s apart (the official helpers'). */
  retries?: number
  retryDelayMs?: number
}

export class S3CacheStore implements CacheStore {
  readonly local: LocalCacheStore
  readonly objectPrefix: string
  private readonly options: S3CacheStoreOptions
  private readonly transfer: TransferOptions

  constructor(options: S3CacheStoreOptions) {
    this.options = options
    this.local = options.local
    this.objectPrefix = options.objectPrefix
    this.transfer = {
      retries: options.retries ?? 2,
      retryDelayMs: options.retryDelayMs ?? 1_000,
      timeoutMs: options.requestTimeoutMs ?? 10 * 60_000,
    }
  }

  /** The object name for a storage key; undefined when the key would leave the project prefix. */
  objectName(storageKey: string): string | undefined {
    return cacheObjectName(this.objectPrefix, storageKey, { hashedKeys: this.options.hashedKeys })
  }

  current(storageKey: string): Promise<string | undefined> {
    return this.local.current(storageKey)
  }

  async fetch(storageKey: string): Promise<{ archive?: FetchedArchive; lines: ReportLine[] }> {
    const objectName = this.objectName(storageKey)
    if (objectName === undefined) return this.local.fetch(storageKey)

    const destination = this.local.archivePath(storageKey)
    const get = presignS3Request({ config: this.options.s3, method: 'GET', objectName, expiresSeconds: this.expiresSeconds() })
    const { outcome, lines } = await downloadCacheObject({ ...this.transfer, get, destination })
    // A miss on the server is a miss, even when an older local copy exists (as the official helper).
    if (outcome === 'miss') return { lines }

    return { archive: { path: destination, release: async () => {} }, lines }
  }

  async stage(storageKey: string): Promise<StagedArchive> {
    const staged = await this.local.stage(storageKey)
    const objectName = this.objectName(storageKey)
    if (objectName === undefined) return staged

    return {
      path: staged.path,
      discard: () => staged.discard(),
      commit: async (metadata) => {
        // Uploaded from the staged file, which no other job touches, before the local
        // rename; the local copy is committed whatever the upload's outcome, as the
        // official helper keeps its archive when the upload fails.
        let lines: ReportLine[] = []
        let uploadError: unknown
        try {
          lines = await this.upload(staged.path, objectName, metadata)
        } catch (error) {
          uploadError = error
        }
        await staged.commit(metadata)
        if (uploadError !== undefined) throw uploadError

        return lines
      },
    }
  }

  private async upload(file: string, objectName: string, metadata: Readonly<Record<string, string>>): Promise<ReportLine[]> {
    const { size } = await stat(file)
    const limit = this.options.maxUploadedArchiveSizeBytes
    if (limit > 0 && size > limit) {
      return [
        helperInfo(`Cache archive size (${size}) is too big (Limit is set to ${limit}). Cache will be stored only locally.`),
      ]
    }

    const put = presignS3Request({
      config: this.options.s3,
      method: 'PUT',
      objectName,
      expiresSeconds: this.expiresSeconds(),
      headers: metadataHeaders(metadata),
    })

    return uploadCacheObject({ ...this.transfer, put, file, name: CACHE_ARCHIVE_NAME })
  }

  private expiresSeconds(): number {
    return this.options.urlExpiresSeconds ?? 3600
  }
}

/** `x-amz-meta-<key>` headers, lower-cased keys, values limited to what a header may carry. */
function metadataHeaders(metadata: Readonly<Record<string, string>>): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [key, value] of Object.entries(metadata)) {
    const name = key.toLowerCase()
    if (!/^[a-z0-9-]+$/.test(name)) continue
    // Header values must be printable ASCII; S3 would reject the rest anyway.
    headers[`x-amz-meta-${name}`] = /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value)
  }

  return headers
}
