/**
 * The job's ordered variable list (job-execution.md 6.1): feature flags, runner values,
 * `[[runners]] environment`, build paths, TLS files, the payload's variables, then the
 * values a job may never override.
 */
import { goPlatform } from '../../gitlab/runner-info.js'
import { GLRUNNER_REVISION, GLRUNNER_VERSION } from '../../core/version.js'
import type { JobPayload } from '../../gitlab/job-payload.js'
import type { BuildPaths } from '../../executors/executor.js'
import { FEATURE_FLAGS, isFeatureFlagName, type FeatureFlags } from './feature-flags.js'
import { variable, VariableList, type BuildVariable } from './job-variables.js'

export interface BuildVariablesInput {
  payload: JobPayload
  flags: FeatureFlags
  shortToken: string
  environment: readonly string[]
  paths: BuildPaths
  concurrentId: number
  concurrentProjectId: number
  jobTimeoutSeconds: number
  environmentKind: 'shared' | 'disposable'
  serverCaChain?: string
}

/** `KEY=VALUE` entries split at the first `=`; entries without one or without a key are dropped. */
export function parseEnvironmentEntries(entries: readonly string[]): BuildVariable[] {
  const out: BuildVariable[] = []
  for (const entry of entries) {
    const at = entry.indexOf('=')
    if (at <= 0) continue
    out.push(variable(entry.slice(0, at), entry.slice(at + 1), { internal: true }))
  }

  return out
}

export function composeBuildVariables(input: BuildVariablesInput): VariableList {
  const internal = { internal: true }
  const items: BuildVariable[] = FEATURE_FLAGS.map((flag) => variable(flag.name, String(input.flags[flag.name]), internal))

  const imageName = input.payload.image?.name ?? ''
  if (imageName !== '') items.push(variable('CI_JOB_IMAGE', imageName, internal))

  items.push(variable('CI_RUNNER_SHORT_TOKEN', input.shortToken, internal))
  items.push(...parseEnvironmentEntries(input.environment))
  items.push(
    variable('CI_BUILDS_DIR', input.paths.buildsDir, internal),
    variable('CI_PROJECT_DIR', input.paths.projectDir, internal),
    variable('CI_CONCURRENT_ID', String(input.concurrentId), internal),
    variable('CI_CONCURRENT_PROJECT_ID', String(input.concurrentProjectId), internal),
    variable('CI_SERVER', 'yes', internal),
    variable('CI_JOB_STATUS', 'running', internal),
    variable('CI_JOB_TIMEOUT', String(input.jobTimeoutSeconds), internal),
  )
  if (input.serverCaChain !== undefined && input.serverCaChain !== '') {
    items.push(variable('CI_SERVER_TLS_CA_FILE', input.serverCaChain, { file: true, internal: true }))
  }

  for (const item of input.payload.variables) {
    if (isFeatureFlagName(item.key)) continue
    items.push({ key: item.key, value: item.value, public: item.public, masked: item.masked, file: item.file, raw: item.raw })
  }

  const { platform, architecture } = goPlatform()
  items.push(
    variable(input.environmentKind === 'shared' ? 'CI_SHARED_ENVIRONMENT' : 'CI_DISPOSABLE_ENVIRONMENT', 'true', internal),
    variable('CI_RUNNER_VERSION', GLRUNNER_VERSION, internal),
    variable('CI_RUNNER_REVISION', GLRUNNER_REVISION, internal),
    variable('CI_RUNNER_EXECUTABLE_ARCH', `${platform}/${architecture}`, internal),
    variable('RUNNER_TEMP_PROJECT_DIR', input.paths.tmpDir, internal),
  )

  return new VariableList(items)
}
