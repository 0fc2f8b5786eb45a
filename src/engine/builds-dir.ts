/**
 * Where a job's files live: `<builds_dir>/<short token>/<concurrent project id>/<slug>`
 * for executors with a shared builds dir, `<builds_dir>/<slug>` otherwise, the `-empty`
 * suffix for GIT_STRATEGY=empty, GIT_CLONE_PATH, and `<project_dir>.tmp` beside it.
 * Nothing taken from the payload can move these paths outside the builds dir.
 */
import { isAbsolute, posix, resolve } from 'node:path'
import { ConfigError } from '../core/errors.js'
import type { RunnerConfig } from '../config/runner-config.js'
import type { BuildPaths, ExecutorProvider } from '../executors/executor.js'
import type { JobPayload } from '../gitlab/job-payload.js'

/** `group/sub/project` from the repository URL, or `project-<id>` when it is unusable. */
export function projectSlug(repoUrl: string, projectId: number): string {
  const fallback = `project-${projectId}`
  let pathname: string
  try {
    const url = new URL(repoUrl)
    if (url.host === '') return fallback
    pathname = decodeURIComponent(url.pathname)
  } catch {
    return fallback
  }

  const trimmed = pathname.replace(/^\/+/, '').replace(/\.git$/, '')
  const parts = trimmed.split('/')
  const unsafe = parts.some((part) => part === '' || part === '.' || part === '..' || /[\x00-\x1f\x7f\\]/.test(part))
  if (trimmed === '' || unsafe) return fallback

  return posix.normalize(trimmed)
}

/** True when `child` is `parent` or below it (both normalised, POSIX). */
export function isWithin(parent: string, child: string): boolean {
  const relative = posix.relative(posix.normalize(parent), posix.normalize(child))

  return relative === '' || (!relative.startsWith('..') && !posix.isAbsolute(relative))
}

export interface BuildPathsInput {
  payload: JobPayload
  runner: RunnerConfig
  provider: ExecutorProvider
  shortToken: string
  concurrentProjectId: number
  emptyStrategy: boolean
  /** GIT_CLONE_PATH, already expanded; '' when unset. */
  clonePath: string
  /** What the executor's configure() decided for this job (custom: config_exec). */
  overrides?: BuildDirOverrides
}

/** Per-job replacements for the config's roots and the provider's layout. */
export interface BuildDirOverrides {
  buildsDir?: string
  cacheDir?: string
  sharedBuildsDir?: boolean
}

export function computeBuildPaths(input: BuildPathsInput): BuildPaths {
  const defaults = input.provider.defaultDirs(input.runner)
  const overrides = input.overrides ?? {}
  let buildsDir = overrides.buildsDir || input.runner.builds_dir || defaults.buildsDir
  let cacheRoot = overrides.cacheDir || input.runner.cache_dir || defaults.cacheDir
  // Only the shell executor resolves a relative root against the runner's working dir;
  // ssh and others resolve it on the remote side.
  if (input.provider.name === 'shell') {
    buildsDir = resolve(buildsDir)
    cacheRoot = resolve(cacheRoot)
  }

  const slug = projectSlug(input.payload.git_info.repo_url, input.payload.job_info.project_id)
  let projectDir = (overrides.sharedBuildsDir ?? input.provider.sharedBuildsDir)
    ? posix.join(buildsDir, input.shortToken || 'runner', String(input.concurrentProjectId), slug)
    : posix.join(buildsDir, slug)
  if (input.emptyStrategy) projectDir += '-empty'

  if (input.clonePath !== '') projectDir = checkedClonePath(input, buildsDir)

  return {
    buildsDir,
    projectDir,
    tmpDir: `${projectDir}.tmp`,
    cacheDir: posix.join(cacheRoot, slug),
  }
}

function checkedClonePath(input: BuildPathsInput, buildsDir: string): string {
  const enabled = input.runner.custom_build_dir?.enabled ?? input.provider.environment === 'disposable'
  if (!enabled) {
    throw new ConfigError('setting GIT_CLONE_PATH is not allowed, enable `custom_build_dir` feature')
  }

  const clonePath = posix.normalize(input.clonePath)
  const inside = isAbsolute(clonePath) && isWithin(buildsDir, clonePath) && clonePath !== posix.normalize(buildsDir)
  if (!inside || /[\x00-\x1f\x7f]/.test(clonePath)) {
    throw new ConfigError(`the GIT_CLONE_PATH="${input.clonePath}" has to be within "${buildsDir}"`)
  }

  return clonePath.replace(/\/+$/, '')
}
