/**
 * download_artifacts / upload_artifacts_on_success|on_failure, done by the runner itself
 * on the build's files. Archives are built and extracted by helpers/artifacts, moved by
 * the manager's ArtifactsTransport; this module prints what the official helper prints
 * (job-execution.md 14.3–14.5, 15) and turns transfer failures into job failures.
 */
import { randomBytes } from 'node:crypto'
import { rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { shortToken } from '../../core/tokens.js'
import type { ArtifactSpec, DependencySpec } from '../../gitlab/job-payload.js'
import { parseCompressionLevel } from '../../helpers/archive/compression-level.js'
import { buildArtifact, extractDependencyArtifacts, whenApplies } from '../../helpers/artifacts/index.js'
import { helperInfo, type ReportLine } from '../../helpers/helper-log/report-line.js'
import { withHostFiles } from './host-files.js'
import { printReportLines } from './report-lines.js'
import type { RunnerStageContext } from './runner-stage.js'
import { ArtifactDownloadError, ArtifactUploadError, downloadOutcome, responseStatusText } from './transfer-errors.js'

function downloadable(dependency: DependencySpec): boolean {
  return (dependency.artifacts_file?.filename ?? '') !== ''
}

function uploadsOn(entry: ArtifactSpec, failed: boolean): boolean {
  return whenApplies(entry.when, failed ? 'failed' : 'success') && (entry.paths.length > 0 || entry.untracked)
}

export function downloadArtifactsApplies(dependencies: readonly DependencySpec[]): boolean {
  return dependencies.some(downloadable)
}

export function uploadArtifactsApplies(entries: readonly ArtifactSpec[], failed: boolean, runnerUrl: string): boolean {
  if (runnerUrl === '') return false

  return entries.some((entry) => uploadsOn(entry, failed))
}

function helperErrorLine(message: string, fields: Record<string, string>): ReportLine {
  return { kind: 'helper', level: 'error', message, fields }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return ''
  }
}

export async function downloadArtifactsStage(context: RunnerStageContext): Promise<void> {
  await withHostFiles(context, 'Downloading artifacts', { mode: 'write' }, ({ projectDir, tmpDir }) => downloadInto(context, projectDir, tmpDir))
}

async function downloadInto(context: RunnerStageContext, projectDir: string, tmpDir: string): Promise<void> {
  for (const dependency of context.payload.dependencies.filter(downloadable)) {
    if (context.signal.aborted) return
    context.log.info(`Downloading artifacts for ${dependency.name} (${dependency.id})...`)
    const fields = { host: hostOf(context.runnerUrl), id: String(dependency.id), token: shortToken(dependency.token) }
    const archivePath = path.join(tmpDir, `artifacts-download-${dependency.id}-${randomBytes(6).toString('hex')}.zip`)
    try {
      try {
        await context.artifacts.download({ jobId: dependency.id, jobToken: dependency.token, destination: archivePath })
      } catch (err) {
        const status = responseStatusText(err)
        printReportLines(context.log, [
          helperErrorLine(`Downloading artifacts from coordinator... ${downloadOutcome(err)}`, { ...fields, responseStatus: status }),
        ])
        throw new ArtifactDownloadError(dependency, err)
      }
      printReportLines(context.log, [helperInfo('Downloading artifacts from coordinator... ok', { ...fields, responseStatus: '200 OK' })])

      const extracted = await extractDependencyArtifacts({ archivePath, projectDir })
      printReportLines(context.log, extracted.lines)
    } finally {
      await rm(archivePath, { force: true })
    }
  }
}

/** An entry with `$VAR` in its name, paths and excludes expanded like the helper's environment would. */
function expandedEntry(context: RunnerStageContext, entry: ArtifactSpec): ArtifactSpec {
  const expand = (value: string): string => context.variables.expand(value, context.paths.tmpDir)

  return { ...entry, name: expand(entry.name), paths: entry.paths.map(expand), exclude: entry.exclude.map(expand) }
}

export async function uploadArtifactsStage(context: RunnerStageContext, failed: boolean): Promise<void> {
  const entries = context.payload.artifacts.filter((entry) => uploadsOn(entry, failed))
  if (entries.length === 0) return
  const expanded = entries.map((entry) => expandedEntry(context, entry))
  const access = { mode: 'read' as const, patterns: expanded.flatMap((entry) => entry.paths), untracked: expanded.some((entry) => entry.untracked) }
  await withHostFiles(context, 'Uploading artifacts', access, ({ projectDir, tmpDir }) => uploadFrom(context, expanded, failed, projectDir, tmpDir))
}

async function uploadFrom(context: RunnerStageContext, entries: ArtifactSpec[], failed: boolean, projectDir: string, tmpDir: string): Promise<void> {
  const level = parseCompressionLevel(context.variables.value('ARTIFACT_COMPRESSION_LEVEL'))
  if (level.warning !== undefined) context.log.warning(`ARTIFACT_COMPRESSION_LEVEL: ${level.warning}`)

  for (const entry of entries) {
    if (context.signal.aborted) return
    const built = await buildArtifact({
      projectDir,
      spec: entry,
      tmpDir,
      jobStatus: failed ? 'failed' : 'success',
      compressionLevel: level.level,
    })
    printReportLines(context.log, built.lines)
    if (built.skipped !== undefined) continue

    const fields = { id: String(context.payload.id), token: shortToken(context.payload.token) }
    const message = `Uploading artifacts as "${built.type}" to coordinator...`
    try {
      await context.artifacts.upload({
        jobId: context.payload.id,
        jobToken: context.payload.token,
        filePath: built.filePath,
        fileName: built.fileName,
        artifactType: built.type,
        artifactFormat: built.format,
        expireIn: built.expireIn,
      })
      printReportLines(context.log, [helperInfo(`${message} 201 Created`, { ...fields, responseStatus: '201 Created' })])
    } catch (err) {
      const status = responseStatusText(err)
      printReportLines(context.log, [helperErrorLine(`${message} ${status}`, { ...fields, responseStatus: status })])
      const sizeBytes = await stat(built.filePath).then((info) => info.size, () => 0)
      throw new ArtifactUploadError({ artifactType: built.type, fileName: built.fileName, sizeBytes, cause: err })
    } finally {
      await built.cleanup()
    }
  }
}
