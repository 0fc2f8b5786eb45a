/**
 * Build settings read from job variables (GIT_STRATEGY, attempts, AFTER_SCRIPT_IGNORE_ERRORS,
 * CI_DEBUG_TRACE…), each with the official default and the official warning for a bad value.
 */
import type { RunnerConfig } from '../config/runner-config.js'
import type { GitSourceSettings, GitStrategy, SubmoduleStrategy } from '../helpers/git/types.js'
import { parseGoBool } from './variables/feature-flags.js'
import type { VariableList } from './variables/job-variables.js'

export type { GitStrategy, SubmoduleStrategy }

export interface BuildSettings extends GitSourceSettings {
  submoduleForceHttps: boolean
  getSourcesAttempts: number
  restoreCacheAttempts: number
  artifactDownloadAttempts: number
  afterScriptIgnoreErrors: boolean
  debugTrace: boolean
  scriptTimeout: string
  afterScriptTimeout: string
}

export function readBuildSettings(options: {
  variables: VariableList
  runner: RunnerConfig
  allowGitFetch: boolean
  depth: number
}): { settings: BuildSettings; warnings: string[] } {
  const warnings: string[] = []
  const get = (key: string): string => options.variables.value(key) ?? ''

  const bool = (key: string, fallback: boolean): boolean => {
    const raw = get(key)
    if (raw === '') return fallback
    const parsed = parseGoBool(raw)
    if (parsed === undefined) warnings.push(`${key}: expected bool got "${raw}", using default value: ${fallback}`)

    return parsed ?? fallback
  }

  const int = (key: string, fallback: number): number => {
    const raw = get(key)
    if (raw === '') return fallback
    if (!/^[+-]?\d+$/.test(raw)) {
      warnings.push(`${key}: expected int got "${raw}", using default value: ${fallback}`)

      return fallback
    }

    return Number(raw)
  }

  const attempts = (key: string): number => {
    const value = int(key, 1)
    if (value >= 1 && value <= 10) return value
    const clamped = Math.min(10, Math.max(1, value))
    warnings.push(`${key}: number of attempts out of the range [1, 10], clamping to: ${clamped}`)

    return clamped
  }

  const flags = (key: string, fallback: string[]): string[] => {
    const raw = get(key).trim()
    if (raw === '') return fallback
    if (raw === 'none') return []

    return raw.split(/\s+/)
  }

  const defaultStrategy: GitStrategy = options.allowGitFetch ? 'fetch' : 'clone'
  let gitStrategy: GitStrategy = defaultStrategy
  const rawStrategy = get('GIT_STRATEGY')
  if (['clone', 'fetch', 'none', 'empty'].includes(rawStrategy)) gitStrategy = rawStrategy as GitStrategy
  else if (rawStrategy !== '') {
    warnings.push(`GIT_STRATEGY: expected either 'clone', 'fetch', 'none' or 'empty' got "${rawStrategy}", using default value '${defaultStrategy}'`)
  }

  let submoduleStrategy: SubmoduleStrategy = 'none'
  const rawSubmodules = get('GIT_SUBMODULE_STRATEGY')
  if (['none', 'normal', 'recursive'].includes(rawSubmodules)) submoduleStrategy = rawSubmodules as SubmoduleStrategy
  else if (rawSubmodules !== '') {
    warnings.push(`GIT_SUBMODULE_STRATEGY: expected either 'normal', 'recursive' or 'none' got "${rawSubmodules}"`)
    submoduleStrategy = 'invalid'
  }

  let debugTrace = bool('CI_DEBUG_TRACE', false)
  if (debugTrace && options.runner.debug_trace_disabled) {
    warnings.push('CI_DEBUG_TRACE: usage is disabled on this Runner')
    debugTrace = false
  }

  const rawSkipSmudge = get('GIT_LFS_SKIP_SMUDGE')

  return {
    warnings,
    settings: {
      gitStrategy,
      gitCheckout: bool('GIT_CHECKOUT', true),
      gitCleanFlags: flags('GIT_CLEAN_FLAGS', ['-ffdx']),
      gitFetchExtraFlags: flags('GIT_FETCH_EXTRA_FLAGS', ['--prune', '--quiet']),
      gitCloneExtraFlags: flags('GIT_CLONE_EXTRA_FLAGS', []),
      submoduleStrategy,
      submodulePaths: get('GIT_SUBMODULE_PATHS').trim().split(/\s+/).filter((path) => path !== ''),
      submoduleDepth: int('GIT_SUBMODULE_DEPTH', options.depth),
      submoduleUpdateFlags: get('GIT_SUBMODULE_UPDATE_FLAGS').trim().split(/\s+/).filter((flag) => flag !== ''),
      submoduleForceHttps: bool('GIT_SUBMODULE_FORCE_HTTPS', false),
      lfsSkipSmudge: rawSkipSmudge !== '' && parseGoBool(rawSkipSmudge) === true,
      lfsSkipSmudgeSet: rawSkipSmudge !== '',
      getSourcesAttempts: attempts('GET_SOURCES_ATTEMPTS'),
      restoreCacheAttempts: attempts('RESTORE_CACHE_ATTEMPTS'),
      artifactDownloadAttempts: attempts('ARTIFACT_DOWNLOAD_ATTEMPTS'),
      afterScriptIgnoreErrors: bool('AFTER_SCRIPT_IGNORE_ERRORS', true),
      debugTrace,
      scriptTimeout: get('RUNNER_SCRIPT_TIMEOUT'),
      afterScriptTimeout: get('RUNNER_AFTER_SCRIPT_TIMEOUT'),
    },
  }
}
