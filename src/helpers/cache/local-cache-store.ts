/**
 * The local cache: `<cache_dir>/<project slug>/<key>/cache.zip` with `metadata.json`
 * beside it (job-execution.md 13.2). New archives are written to a uniquely named temp
 * file in the same directory and renamed into place, so concurrent jobs saving the same
 * key never leave a corrupt archive: the last rename wins, whole.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { isCode } from '../file-selection/select-files.js'
import { relativeInside } from '../file-selection/glob-path.js'
import { helperInfo, type ReportLine } from '../helper-log/report-line.js'
import { CachePathError } from './cache-errors.js'
import type { CacheStore, FetchedArchive, StagedArchive } from './cache-store.js'

export const CACHE_ARCHIVE_NAME = 'cache.zip'
export const CACHE_METADATA_NAME = 'metadata.json'

export class LocalCacheStore implements CacheStore {
  /** `<cache_dir>/<project slug>`: every archive of this project lives below it. */
  readonly projectCacheDir: string

  constructor(options: { cacheDir: string; projectSlug: string }) {
    const cacheDir = path.resolve(options.cacheDir)
    this.projectCacheDir = path.resolve(cacheDir, options.projectSlug)
    if (!relativeInside(cacheDir, this.projectCacheDir)) {
      throw new CachePathError(`project slug "${options.projectSlug}" leads outside the cache dir ${cacheDir}`)
    }
  }

  /** Absolute path of the archive for a storage key; throws if it would leave the project's cache dir. */
  archivePath(storageKey: string): string {
    const dir = path.resolve(this.projectCacheDir, storageKey)
    const relative = relativeInside(this.projectCacheDir, dir)
    if (relative === undefined || relative === '') {
      throw new CachePathError(`cache key "${storageKey}" leads outside the cache dir ${this.projectCacheDir}`)
    }

    return path.join(dir, CACHE_ARCHIVE_NAME)
  }

  async current(storageKey: string): Promise<string | undefined> {
    const archive = this.archivePath(storageKey)
    try {
      return (await stat(archive)).isFile() ? archive : undefined
    } catch (error) {
      if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return undefined
      throw error
    }
  }

  async fetch(storageKey: string): Promise<{ archive?: FetchedArchive; lines: ReportLine[] }> {
    const lines = [
      helperInfo(
        'No URL provided, cache will not be downloaded from shared cache server. Instead a local version of cache will be extracted.',
      ),
    ]
    const found = await this.current(storageKey)
    if (found === undefined) return { lines }

    return { archive: { path: found, release: async () => {} }, lines }
  }

  async stage(storageKey: string): Promise<StagedArchive> {
    const archive = this.archivePath(storageKey)
    const dir = path.dirname(archive)
    await mkdir(dir, { recursive: true })
    const temp = path.join(dir, `${CACHE_ARCHIVE_NAME}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`)

    return {
      path: temp,
      commit: async (metadata) => {
        await rename(temp, archive)
        const metadataTemp = `${temp}.json`
        const lowered = Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key.toLowerCase(), value]))
        await writeFile(metadataTemp, JSON.stringify(lowered))
        await rename(metadataTemp, path.join(dir, CACHE_METADATA_NAME))

        return [
          helperInfo(
            'No URL provided, cache will not be uploaded to shared cache server. Cache will be stored only locally.',
          ),
        ]
      },
      discard: () => rm(temp, { force: true }),
    }
  }
}
