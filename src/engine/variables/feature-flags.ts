/**
 * Feature flags glrunner knows, with their defaults, in registry order (the order of the
 * header's `feature flags:` line and of the exported variables).
 */

export const FEATURE_FLAGS = [
  { name: 'FF_NETWORK_PER_BUILD', defaultValue: false },
  { name: 'FF_USE_DIRECT_DOWNLOAD', defaultValue: true },
  { name: 'FF_USE_FASTZIP', defaultValue: true },
  { name: 'FF_ENABLE_BASH_EXIT_CODE_CHECK', defaultValue: false },
  { name: 'FF_SCRIPT_SECTIONS', defaultValue: false },
  { name: 'FF_ENABLE_JOB_CLEANUP', defaultValue: false },
  { name: 'FF_POSIXLY_CORRECT_ESCAPES', defaultValue: false },
  { name: 'FF_USE_LEGACY_BASH_EVAL', defaultValue: false },
  { name: 'FF_TIMESTAMPS', defaultValue: true },
  { name: 'FF_MASK_ALL_DEFAULT_TOKENS', defaultValue: true },
  { name: 'FF_HASH_CACHE_KEYS', defaultValue: false },
  { name: 'FF_CLEAN_UP_FAILED_CACHE_EXTRACT', defaultValue: false },
  { name: 'FF_GIT_URLS_WITHOUT_TOKENS', defaultValue: false },
  { name: 'FF_USE_GIT_NATIVE_CLONE', defaultValue: false },
  { name: 'FF_USE_GIT_BUNDLE_URIS', defaultValue: true },
  { name: 'FF_USE_GITALY_CORRELATION_ID', defaultValue: true },
  { name: 'FF_USE_GIT_PROACTIVE_AUTH', defaultValue: false },
  { name: 'FF_USE_EXPONENTIAL_BACKOFF_STAGE_RETRY', defaultValue: true },
  { name: 'FF_DISABLE_UMASK_FOR_DOCKER_EXECUTOR', defaultValue: false },
  { name: 'FF_USE_INIT_WITH_DOCKER_EXECUTOR', defaultValue: false },
  { name: 'FF_USE_POWERSHELL_PATH_RESOLVER', defaultValue: false },
  { name: 'FF_DISABLE_POWERSHELL_STDIN', defaultValue: false },
  { name: 'FF_USE_WINDOWS_LEGACY_PROCESS_STRATEGY', defaultValue: false },
  { name: 'FF_USE_LEGACY_KUBERNETES_EXECUTION_STRATEGY', defaultValue: false },
  { name: 'FF_DISABLE_UMASK_FOR_KUBERNETES_EXECUTOR', defaultValue: false },
  { name: 'FF_ENABLE_JOB_INPUTS_INTERPOLATION', defaultValue: true },
  { name: 'FF_SECRET_RESOLVING_FAILS_IF_MISSING', defaultValue: true },
  { name: 'FF_LOG_IMAGES_CONFIGURED_FOR_JOB', defaultValue: false },
] as const

export type FeatureFlagName = (typeof FEATURE_FLAGS)[number]['name']
export type FeatureFlags = Record<FeatureFlagName, boolean>

const FLAG_NAMES: ReadonlySet<string> = new Set(FEATURE_FLAGS.map((flag) => flag.name))

export function isFeatureFlagName(name: string): name is FeatureFlagName {
  return FLAG_NAMES.has(name)
}

/** Go's strconv.ParseBool; undefined when the text is not a bool. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false

  return undefined
}

/**
 * Resolves every flag: `[runners.feature_flags]` wins, else the last job variable of that
 * name when it parses as a bool, else the default. Unparsable job values produce warnings.
 */
export function resolveFeatureFlags(options: {
  config: Readonly<Record<string, boolean>>
  jobValue: (name: string) => string | undefined
}): { flags: FeatureFlags; warnings: string[] } {
  const flags = {} as FeatureFlags
  const warnings: string[] = []
  for (const { name, defaultValue } of FEATURE_FLAGS) {
    const configured = options.config[name]
    if (typeof configured === 'boolean') {
      flags[name] = configured
      continue
    }

    const raw = options.jobValue(name)
    const parsed = raw === undefined ? undefined : parseGoBool(raw)
    if (raw !== undefined && parsed === undefined) {
      warnings.push(`${name}: could not parse feature flag, expected bool, got ${raw}`)
    }
    flags[name] = parsed ?? defaultValue
  }

  return { flags, warnings }
}

/** `NAME:bool` pairs of flags that differ from their default, in registry order. */
export function changedFeatureFlags(flags: FeatureFlags): string[] {
  return FEATURE_FLAGS.filter((flag) => flags[flag.name] !== flag.defaultValue).map(
    (flag) => `${flag.name}:${flags[flag.name]}`,
  )
}
