import { GlrunnerError } from '../../core/errors.js'

/** A cache entry's policy is not pull, push or pull-push: fails the cache stage. */
export class CachePolicyError extends GlrunnerError {
  constructor(policy: string, key: string) {
    super('GLR_CACHE_POLICY', `unknown cache policy ${policy} for ${key}`, {
      failureReason: 'script_failure',
      hint: 'Use one of pull, push or pull-push.',
    })
  }
}

/** A cache path would leave the cache directory (a bug or a hostile project slug). */
export class CachePathError extends GlrunnerError {
  constructor(message: string) {
    super('GLR_CACHE_PATH', message)
  }
}
