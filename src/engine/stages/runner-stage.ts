/**
 * Stages the runner performs itself (cache and artifacts) instead of through a generated
 * script. Each is split into a pure `applies` decision (an inapplicable stage prints no
 * section at all) and a `run` that writes to the job log.
 */
import type { JobLog } from '../job-log/types.js'
import type { BuildFileTransfer, BuildPaths } from '../../executors/executor.js'
import type { JobPayload } from '../../gitlab/job-payload.js'
import type { ArtifactsTransport } from '../types.js'
import type { FeatureFlags } from '../variables/feature-flags.js'
import type { VariableList } from '../variables/job-variables.js'

export interface RunnerStageContext {
  log: JobLog
  payload: JobPayload
  /** The expanded variable list. */
  variables: VariableList
  /** The list as composed, before expansion: CACHE_FALLBACK_KEY is used as written (13.3). */
  rawVariables: VariableList
  /** Resolved feature flags (FF_HASH_CACHE_KEYS). */
  flags: FeatureFlags
  paths: BuildPaths
  /** The project directory on the runner's file system, when the executor offers it. */
  hostProjectDir: string | undefined
  /** The executor's file transfer, for executors without hostProjectDir. */
  files: BuildFileTransfer | undefined
  artifacts: ArtifactsTransport
  /** `[runners.cache]` as written in config.toml; undefined for a local cache only. */
  cacheConfig: Readonly<Record<string, unknown>> | undefined
  /** `cache_dir` of the runner's config, a path on the runner's host ('' when unset). */
  runnerCacheDir: string
  /** The runner's short token (distributed cache object names when not Shared). */
  runnerShortToken: string
  /** GitLab URL of the runner config; upload stages are skipped when empty. */
  runnerUrl: string
  signal: AbortSignal
}
