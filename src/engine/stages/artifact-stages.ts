/**
 * download_artifacts / upload_artifacts_on_success|on_failure: which entries apply. The
 * archive and transfer work belongs to helpers/artifacts + ArtifactsTransport (in
 * progress elsewhere); this module is the seam they plug into.
 */
import type { ArtifactSpec, DependencySpec } from '../../gitlab/job-payload.js'
import type { RunnerStageContext } from './runner-stage.js'

function downloadable(dependency: DependencySpec): boolean {
  return (dependency.artifacts_file?.filename ?? '') !== ''
}

function uploadsOn(entry: ArtifactSpec, failed: boolean): boolean {
  const when = entry.when || 'on_success'
  if (when === 'always') return true

  return failed ? when === 'on_failure' : when === 'on_success'
}

export function downloadArtifactsApplies(dependencies: readonly DependencySpec[]): boolean {
  return dependencies.some(downloadable)
}

export function uploadArtifactsApplies(entries: readonly ArtifactSpec[], failed: boolean, runnerUrl: string): boolean {
  if (runnerUrl === '') return false

  return entries.some((entry) => uploadsOn(entry, failed) && (entry.paths.length > 0 || entry.untracked))
}

export async function downloadArtifactsStage(context: RunnerStageContext): Promise<void> {
  for (const dependency of context.payload.dependencies.filter(downloadable)) {
    context.log.info(`Downloading artifacts for ${dependency.name} (${dependency.id})...`)
    // TODO(#artifacts): context.artifacts.download(...) then extract into context.hostProjectDir.
  }
}

export async function uploadArtifactsStage(context: RunnerStageContext, failed: boolean): Promise<void> {
  const entries = context.payload.artifacts.filter((entry) => uploadsOn(entry, failed))
  if (entries.length === 0) return
  // TODO(#artifacts): archive entries from context.hostProjectDir and context.artifacts.upload(...).
}
