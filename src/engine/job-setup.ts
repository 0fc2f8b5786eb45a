/**
 * Everything the engine works out before the first stage: feature flags, paths, the
 * variable list, build settings and the shell. Throws a GlrunnerError for a job that
 * cannot run (bad payload, configuration problem).
 */
import { ConfigError } from '../core/errors.js'
import type { RunnerConfig, ShellName } from '../config/runner-config.js'
import type { BuildPaths, ExecutorJobSettings } from '../executors/executor.js'
import { computeBuildPaths } from './builds-dir.js'
import { checkPayload } from './payload-checks.js'
import { readBuildSettings, type BuildSettings } from './settings.js'
import type { BuildRequest } from './types.js'
import { composeBuildVariables } from './variables/build-variables.js'
import { resolveFeatureFlags, type FeatureFlags } from './variables/feature-flags.js'
import { VARIABLE_NAME, VariableList } from './variables/job-variables.js'

export const DEFAULT_JOB_TIMEOUT_SECONDS = 7200

export interface JobSetup {
  flags: FeatureFlags
  paths: BuildPaths
  /** The list as composed (unexpanded). */
  variables: VariableList
  /** Every non-raw value expanded once; only names a shell can export. */
  expanded: VariableList
  settings: BuildSettings
  shell: ShellName
  jobTimeoutMs: number
  /** The runner-side host name for `Running on $(hostname) via <hostname>...`, when known. */
  hostname?: string
  warnings: string[]
}

/** Feature flags from config and the payload's variables (needed before the log exists). */
export function featureFlagsOf(request: BuildRequest): { flags: FeatureFlags; warnings: string[] } {
  const payloadVariables = new VariableList(
    request.payload.variables.map((item) => ({ ...item })),
  )

  return resolveFeatureFlags({ config: request.runner.feature_flags, jobValue: (name) => payloadVariables.value(name) })
}

export function jobTimeoutSeconds(request: BuildRequest): number {
  const timeout = request.payload.runner_info.timeout

  return timeout > 0 ? Math.floor(timeout) : DEFAULT_JOB_TIMEOUT_SECONDS
}

function pickShell(runner: RunnerConfig, request: BuildRequest, override: ShellName | undefined): ShellName {
  const shell = (override || runner.shell || request.executor.defaultShell) as ShellName
  if (!request.executor.supportedShells.includes(shell)) {
    throw new ConfigError(`shell ${JSON.stringify(shell)} is not supported by the ${request.executor.name} executor`)
  }

  return shell
}

/**
 * `executorSettings` is what the executor's configure() returned: its builds/cache dirs,
 * layout and shell replace the config's and the provider's for this job.
 */
export function setupJob(request: BuildRequest, flags: FeatureFlags, executorSettings: ExecutorJobSettings = {}): JobSetup {
  const { payload, runner, identity, executor: provider } = request
  checkPayload(payload, provider)
  const shell = pickShell(runner, request, executorSettings.shell)
  const overrides = {
    ...(executorSettings.buildsDir ? { buildsDir: executorSettings.buildsDir } : {}),
    ...(executorSettings.cacheDir ? { cacheDir: executorSettings.cacheDir } : {}),
    ...(executorSettings.sharedBuildsDir !== undefined ? { sharedBuildsDir: executorSettings.sharedBuildsDir } : {}),
  }
  const timeoutSeconds = jobTimeoutSeconds(request)

  const base = {
    payload,
    flags,
    shortToken: identity.shortToken,
    environment: runner.environment,
    concurrentId: identity.concurrentId,
    concurrentProjectId: identity.concurrentProjectId,
    jobTimeoutSeconds: timeoutSeconds,
    environmentKind: provider.environment,
    ...(request.serverCaChain !== undefined ? { serverCaChain: request.serverCaChain } : {}),
  }

  // GIT_STRATEGY and GIT_CLONE_PATH shape the paths, which other variables refer to: read
  // them from a first list built with the default paths.
  const defaultPaths = computeBuildPaths({
    payload, runner, provider, shortToken: identity.shortToken,
    concurrentProjectId: identity.concurrentProjectId, emptyStrategy: false, clonePath: '', overrides,
  })
  const first = composeBuildVariables({ ...base, paths: defaultPaths }).expanded(defaultPaths.tmpDir)
  const strategy = first.value('GIT_STRATEGY') ?? ''
  const paths = computeBuildPaths({
    payload, runner, provider, shortToken: identity.shortToken,
    concurrentProjectId: identity.concurrentProjectId,
    emptyStrategy: strategy === 'empty',
    clonePath: first.value('GIT_CLONE_PATH') ?? '',
    overrides,
  })

  const variables = composeBuildVariables({ ...base, paths })
  const warnings: string[] = []
  const exportable = new VariableList(
    variables.items.filter((item) => {
      if (VARIABLE_NAME.test(item.key)) return true
      warnings.push(`Skipping variable ${JSON.stringify(item.key)}: not a valid shell variable name`)

      return false
    }),
  )
  const expanded = exportable.expanded(paths.tmpDir)
  const { settings, warnings: settingWarnings } = readBuildSettings({
    variables: expanded,
    runner,
    allowGitFetch: payload.allow_git_fetch,
    depth: payload.git_info.depth,
  })

  return {
    flags,
    paths,
    variables: exportable,
    expanded,
    settings,
    shell,
    jobTimeoutMs: timeoutSeconds * 1000,
    ...(executorSettings.hostname ? { hostname: executorSettings.hostname } : {}),
    warnings: [...warnings, ...settingWarnings],
  }
}
