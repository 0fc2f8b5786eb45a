import type { CacheSpec } from '../../gitlab/job-payload.js'
import { whenApplies, type JobOutcome } from '../artifacts/artifact-applies.js'
import { CachePolicyError } from './cache-errors.js'

export interface CacheActions {
  /** The entry has paths or untracked; an unusable entry is ignored entirely. */
  usable: boolean
  /** Extract in restore_cache. */
  restore: boolean
  /** Archive in the archive_cache stage for this outcome. */
  save: boolean
  /** Printed in restore_cache instead of restoring (policy push). */
  restoreNotice?: string
  /** Printed in archive_cache instead of saving (policy pull, `when` matching). */
  saveNotice?: string
}

/**
 * What a cache entry does, decided from its policy (variable-expanded by the caller),
 * its `when` and the job's outcome, with the official notice texts for what it skips.
 * Throws CachePolicyError for an unknown policy, which fails the stage.
 */
export function cacheActions(options: {
  spec: CacheSpec
  /** The key as shown in messages. */
  key: string
  /** The policy after variable expansion; defaults to the spec's. */
  policy?: string
  /** Outcome of the job so far; the save decision needs it. */
  jobStatus: JobOutcome
}): CacheActions {
  const { spec, key } = options
  const usable = spec.paths.length > 0 || spec.untracked
  if (!usable) return { usable, restore: false, save: false }

  const policy = options.policy ?? spec.policy
  let pull: boolean
  let push: boolean
  switch (policy) {
    case '':
    case 'pull-push':
      pull = true
      push = true
      break
    case 'pull':
      pull = true
      push = false
      break
    case 'push':
      pull = false
      push = true
      break
    default:
      throw new CachePolicyError(policy, key)
  }

  const whenMatches = whenApplies(spec.when, options.jobStatus)
  const actions: CacheActions = { usable, restore: pull, save: push && whenMatches }
  if (!pull) actions.restoreNotice = `Not downloading cache ${key} due to policy`
  if (!push && whenMatches) actions.saveNotice = `Not uploading cache ${key} due to policy`

  return actions
}
