import type { ReportLine } from '../helper-log/report-line.js'

/** An archive available as a local file for reading. */
export interface FetchedArchive {
  path: string
  /** Gives the file back (a remote store deletes its downloaded copy). */
  release(): Promise<void>
}

/** A fresh file to write a new archive into; invisible to readers until committed. */
export interface StagedArchive {
  path: string
  /**
   * Publishes the archive atomically under its key (readers see the old archive or the
   * new one, never a partial one) with its metadata; returns the log lines to print.
   */
  commit(metadata: Readonly<Record<string, string>>): Promise<ReportLine[]>
  /** Drops the staged file after a failure. */
  discard(): Promise<void>
}

/**
 * Where cache archives live, addressed by storage key (a sanitised or hashed key). The
 * local store keeps files under the cache dir; a distributed store (S3, …) can implement
 * the same contract by downloading into a temp file in `fetch` and uploading in `commit`.
 * Archives are handed over as files rather than streams because zip extraction needs
 * random access and the local store should not copy what it already has on disk.
 */
export interface CacheStore {
  /** Makes the archive for the key readable; `archive` is undefined on a miss. */
  fetch(storageKey: string): Promise<{ archive?: FetchedArchive; lines: ReportLine[] }>
  /** Prepares a new archive for the key. */
  stage(storageKey: string): Promise<StagedArchive>
  /** The last archive known locally for the key, for the "up to date" check; no download. */
  current(storageKey: string): Promise<string | undefined>
}
