/**
 * restore_cache / archive_cache(_on_failure): which entries apply, and the policy notices.
 * The archive work itself belongs to helpers/cache (in progress elsewhere); this module is
 * the seam it plugs into.
 */
import type { CacheSpec } from '../../gitlab/job-payload.js'
import type { RunnerStageContext } from './runner-stage.js'

function usable(entry: CacheSpec): boolean {
  return entry.paths.length > 0 || entry.untracked
}

function savesOn(entry: CacheSpec, failed: boolean): boolean {
  const when = entry.when || 'on_success'
  if (when === 'always') return true

  return failed ? when === 'on_failure' : when === 'on_success'
}

/** The cache key as written, expanded, or the default `<job name>/<ref>`. */
export function cacheKey(context: RunnerStageContext, entry: CacheSpec): string {
  if (entry.key === '') return `${context.payload.job_info.name}/${context.payload.git_info.ref}`

  return context.variables.expand(entry.key)
}

function policyOf(context: RunnerStageContext, entry: CacheSpec): string {
  const policy = context.variables.expand(entry.policy)

  return policy === '' ? 'pull-push' : policy
}

export function restoreCacheApplies(entries: readonly CacheSpec[]): boolean {
  return entries.some(usable)
}

export function archiveCacheApplies(entries: readonly CacheSpec[], failed: boolean): boolean {
  return entries.some((entry) => usable(entry) && savesOn(entry, failed))
}

export async function restoreCacheStage(context: RunnerStageContext): Promise<void> {
  for (const entry of context.payload.cache.filter(usable)) {
    const key = cacheKey(context, entry)
    const policy = policyOf(context, entry)
    if (policy === 'push') {
      context.log.info(`Not downloading cache ${key} due to policy`)
      continue
    }
    if (policy !== 'pull' && policy !== 'pull-push') throw new Error(`unknown cache policy ${policy} for ${key}`)
    // TODO(#cache): extract <cache dir>/<key>/cache.zip into context.hostProjectDir via helpers/cache.
  }
}

export async function archiveCacheStage(context: RunnerStageContext, failed: boolean): Promise<void> {
  for (const entry of context.payload.cache.filter((item) => usable(item) && savesOn(item, failed))) {
    const key = cacheKey(context, entry)
    const policy = policyOf(context, entry)
    if (policy === 'pull') {
      context.log.info(`Not uploading cache ${key} due to policy`)
      continue
    }
    if (policy !== 'push' && policy !== 'pull-push') throw new Error(`unknown cache policy ${policy} for ${key}`)
    // TODO(#cache): archive entry.paths from context.hostProjectDir via helpers/cache.
  }
}
