/**
 * The cache store of one job: the local store `<cache_dir>/<project slug>/<key>/cache.zip`
 * (13.2), with the distributed store of `[runners.cache]` on top when one is configured.
 * A distributed cache this runner cannot use is a warning, not a failure: the local cache
 * still works, as in the official runner when it cannot build pre-signed URLs (13.5).
 */
import { resolve } from 'node:path'
import { formatError } from '../../core/errors.js'
import { createCacheStore } from '../../helpers/cache/create-cache-store.js'
import { LocalCacheStore, type CacheStore } from '../../helpers/cache/index.js'
import { projectSlug } from '../builds-dir.js'
import type { RunnerStageContext } from './runner-stage.js'

const DEFAULT_CACHE_REQUEST_TIMEOUT_MINUTES = 10

/**
 * Where this runner keeps its local cache archives. With host files (shell) that is
 * `paths.cacheDir`, which already ends in the slug (builds-dir.ts). For executors whose
 * paths are inside a container or on another host, `paths.cacheDir` is not a path of this
 * machine: the archives live under the runner's own `cache_dir` (default `./cache`).
 */
export function cacheRootAndSlug(context: RunnerStageContext): { root: string; slug: string } {
  const { payload, paths } = context
  const slug = projectSlug(payload.git_info.repo_url, payload.job_info.project_id)
  if (context.hostProjectDir === undefined) return { root: resolve(context.runnerCacheDir || 'cache'), slug }

  const suffix = `/${slug}`
  if (paths.cacheDir.endsWith(suffix)) return { root: paths.cacheDir.slice(0, -suffix.length) || '/', slug }

  // A layout this module does not know: keep every archive below the given dir anyway.
  const cut = paths.cacheDir.lastIndexOf('/')

  return { root: paths.cacheDir.slice(0, cut) || '/', slug: paths.cacheDir.slice(cut + 1) }
}

function requestTimeoutMs(context: RunnerStageContext): number {
  const raw = context.variables.value('CACHE_REQUEST_TIMEOUT') ?? ''
  const minutes = /^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : DEFAULT_CACHE_REQUEST_TIMEOUT_MINUTES

  return minutes * 60_000
}

/** Warnings go to the job log once per stage; the returned store is always usable. */
export function jobCacheStore(context: RunnerStageContext): CacheStore {
  const { root, slug } = cacheRootAndSlug(context)
  if (context.cacheConfig === undefined) return new LocalCacheStore({ cacheDir: root, projectSlug: slug })

  try {
    return createCacheStore(context.cacheConfig, {
      localCacheDir: root,
      projectSlug: slug,
      shortToken: context.runnerShortToken,
      projectId: context.payload.job_info.project_id,
      hashKeys: context.flags.FF_HASH_CACHE_KEYS,
      // Pre-signed URLs live as long as the job may (the official runner's choice).
      ...(context.payload.runner_info.timeout > 0 ? { urlExpiresSeconds: context.payload.runner_info.timeout } : {}),
      requestTimeoutMs: requestTimeoutMs(context),
    })
  } catch (err) {
    context.log.warning(`Distributed cache disabled, only the local cache is used: ${formatError(err)}`)

    return new LocalCacheStore({ cacheDir: root, projectSlug: slug })
  }
}
