/**
 * Job stage identifiers: the section names in the job log and the second argument the
 * custom executor's run_exec receives. User steps from the payload become `step_<name>`.
 */

export const PREDEFINED_STAGES = [
  'prepare_script',
  'get_sources',
  'clear_worktree',
  'restore_cache',
  'download_artifacts',
  'archive_cache',
  'archive_cache_on_failure',
  'upload_artifacts_on_success',
  'upload_artifacts_on_failure',
  'cleanup_file_variables',
] as const

export type PredefinedStage = (typeof PREDEFINED_STAGES)[number]
export type StageId = PredefinedStage | 'prepare_executor' | 'resolve_secrets' | 'after_script' | `step_${string}`

const DESCRIPTIONS: Record<string, string> = {
  prepare_script: 'Preparing environment',
  get_sources: 'Getting source from Git repository',
  clear_worktree: 'Deleting all tracked and untracked files due to source fetch failure',
  restore_cache: 'Restoring cache',
  download_artifacts: 'Downloading artifacts',
  after_script: 'Running after_script',
  archive_cache: 'Saving cache for successful job',
  archive_cache_on_failure: 'Saving cache for failed job',
  upload_artifacts_on_success: 'Uploading artifacts for successful job',
  upload_artifacts_on_failure: 'Uploading artifacts for failed job',
  cleanup_file_variables: 'Cleaning up project directory and file based variables',
}

/** The bold cyan line printed at the start of a stage's section. */
export function stageDescription(stage: StageId): string {
  return DESCRIPTIONS[stage] ?? `Executing "${stage}" stage of the job script`
}

export function isPredefinedStage(stage: StageId): boolean {
  return (PREDEFINED_STAGES as readonly string[]).includes(stage)
}
