/**
 * restore_cache / archive_cache(_on_failure), done by the runner itself on the build's
 * files (the official runner runs its helper binary inside the stage script instead).
 * Entry selection, keys, policy and the log lines come from helpers/cache; this module
 * decides when the stages run, picks the store and prints what the helpers report.
 * Only an unknown policy or an executor without host files fails a cache stage.
 */
import { ConfigError } from '../../core/errors.js'
import type { CacheSpec } from '../../gitlab/job-payload.js'
import { parseCompressionLevel } from '../../helpers/archive/compression-level.js'
import {
  cacheEntriesToRestore,
  cacheEntriesToSave,
  CachePolicyError,
  restoreCacheEntry,
  saveCacheEntry,
  type CacheEntryOptions,
  type CacheStore,
} from '../../helpers/cache/index.js'
import { withHostFiles } from './host-files.js'
import { jobCacheStore } from './job-cache-store.js'
import { printReportLines } from './report-lines.js'
import type { RunnerStageContext } from './runner-stage.js'

export function restoreCacheApplies(entries: readonly CacheSpec[]): boolean {
  return cacheEntriesToRestore(entries).length > 0
}

export function archiveCacheApplies(entries: readonly CacheSpec[], failed: boolean): boolean {
  return cacheEntriesToSave(entries, failed ? 'failed' : 'success').length > 0
}

function entryOptions(context: RunnerStageContext, spec: CacheSpec, store: CacheStore, projectDir: string): CacheEntryOptions {
  const { payload, paths } = context
  const fallback = context.rawVariables.value('CACHE_FALLBACK_KEY')

  return {
    spec,
    jobName: payload.job_info.name,
    ref: payload.git_info.ref,
    expand: (value) => context.variables.expand(value, paths.tmpDir),
    ...(fallback === undefined ? {} : { fallbackKeyVariable: fallback }),
    hashKeys: context.flags.FF_HASH_CACHE_KEYS,
    store,
    projectDir,
  }
}

/** An unknown policy is a configuration problem of the job (16.2), not a script failure. */
async function policyChecked<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (err instanceof CachePolicyError) throw new ConfigError(err.message, err.hint === undefined ? {} : { hint: err.hint })
    throw err
  }
}

export async function restoreCacheStage(context: RunnerStageContext): Promise<void> {
  await withHostFiles(context, 'Extracting cache', { mode: 'write' }, async ({ projectDir }) => {
    const store = jobCacheStore(context)
    for (const spec of cacheEntriesToRestore(context.payload.cache)) {
      if (context.signal.aborted) return
      const result = await policyChecked(() => restoreCacheEntry(entryOptions(context, spec, store, projectDir)))
      printReportLines(context.log, result.lines)
    }
  })
}

export async function archiveCacheStage(context: RunnerStageContext, failed: boolean): Promise<void> {
  const jobStatus = failed ? 'failed' : 'success'
  const specs = cacheEntriesToSave(context.payload.cache, jobStatus)
  const access = {
    mode: 'read' as const,
    patterns: specs.flatMap((spec) => spec.paths.map((pattern) => context.variables.expand(pattern, context.paths.tmpDir))),
    untracked: specs.some((spec) => spec.untracked),
  }

  await withHostFiles(context, 'Creating cache', access, async ({ projectDir }) => {
    const store = jobCacheStore(context)
    const level = parseCompressionLevel(context.variables.value('CACHE_COMPRESSION_LEVEL'))
    if (level.warning !== undefined) context.log.warning(`CACHE_COMPRESSION_LEVEL: ${level.warning}`)

    for (const spec of specs) {
      if (context.signal.aborted) return
      const result = await policyChecked(() =>
        saveCacheEntry({ ...entryOptions(context, spec, store, projectDir), jobStatus, compressionLevel: level.level }),
      )
      printReportLines(context.log, result.lines)
    }
  })
}
