/**
 * Prepares one `artifacts[]` entry for upload: decides from `when` whether it applies,
 * selects the files and writes them in the entry's format into the job's temp dir. The
 * upload itself is the engine's (through ArtifactsTransport); this only produces the
 * file and the log lines the official helper prints before uploading (14.3, 14.5).
 */
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import type { ArtifactSpec } from '../../gitlab/job-payload.js'
import { ArchiveFormatError } from '../archive/archive-errors.js'
import type { CompressionLevelName } from '../archive/compression-level.js'
import { createGzipArtifact } from '../archive/create-gzip-artifact.js'
import { createZipArchive } from '../archive/create-zip-archive.js'
import { selectFiles } from '../file-selection/select-files.js'
import {
  helperWarning,
  notice,
  warningsOf,
  type ReportLine,
} from '../helper-log/report-line.js'
import { whenApplies, type JobOutcome } from './artifact-applies.js'
import { artifactFileName } from './artifact-file-name.js'

export interface BuildArtifactOptions {
  projectDir: string
  spec: ArtifactSpec
  /** Where the archive is written (the job's `<project dir>.tmp`). */
  tmpDir: string
  jobStatus: JobOutcome
  /** ARTIFACT_COMPRESSION_LEVEL, already parsed. */
  compressionLevel?: number | CompressionLevelName
}

export interface BuiltArtifact {
  skipped?: undefined
  /** The file to upload. For `raw` this is the project's own file: never delete it yourself. */
  filePath: string
  /** Name for the multipart `file` part, e.g. `artifacts.zip`. */
  fileName: string
  /** What the file really is: `zip`, `gzip` or `raw` (`zipzstd` is written as plain zip). */
  format: string
  type: string
  expireIn: string
  /** Entries archived (files, directories and links). */
  fileCount: number
  lines: ReportLine[]
  warnings: string[]
  /** Removes the temporary archive (a no-op for raw). Call it after uploading. */
  cleanup(): Promise<void>
}

export interface SkippedArtifact {
  /** `when`: the entry does not apply to this outcome; `no-files`: nothing matched. */
  skipped: 'when' | 'no-files'
  lines: ReportLine[]
  warnings: string[]
}

export async function buildArtifact(options: BuildArtifactOptions): Promise<BuiltArtifact | SkippedArtifact> {
  const { spec } = options
  if (!whenApplies(spec.when, options.jobStatus)) return { skipped: 'when', lines: [], warnings: [] }

  const lines: ReportLine[] = [notice('Uploading artifacts...')]
  const selection = await selectFiles({
    projectDir: options.projectDir,
    paths: spec.paths,
    exclude: spec.exclude,
    untracked: spec.untracked,
  })
  lines.push(...selection.lines)

  const format = spec.artifact_format || 'zip'
  const candidates = format === 'gzip' || format === 'raw'
    ? selection.files.filter((entry) => entry.type === 'file')
    : selection.files
  if (candidates.length === 0) {
    lines.push(helperWarning('No files to upload'))

    return { skipped: 'no-files', lines, warnings: warningsOf(lines) }
  }

  const common = {
    fileName: artifactFileName(spec.name, format),
    type: spec.artifact_type || 'archive',
    expireIn: spec.expire_in,
    fileCount: candidates.length,
    lines,
  }

  if (format === 'raw') {
    if (candidates.length !== 1) {
      throw new ArchiveFormatError(
        `artifact format raw needs exactly one file, ${candidates.length} matched`,
        'Narrow the paths of this artifacts entry to a single file.',
      )
    }
    const only = candidates[0]!

    return {
      ...common,
      filePath: path.join(options.projectDir, only.path),
      format,
      warnings: warningsOf(lines),
      cleanup: async () => {},
    }
  }

  const filePath = path.join(options.tmpDir, `artifact-${randomBytes(6).toString('hex')}-${common.fileName}`)
  const cleanup = () => rm(filePath, { force: true })
  const archiveOptions = { projectDir: options.projectDir, entries: candidates, destination: filePath, level: options.compressionLevel }
  if (format === 'gzip') {
    await createGzipArtifact(archiveOptions)

    return { ...common, filePath, format, warnings: warningsOf(lines), cleanup }
  }

  if (format !== 'zip' && format !== 'zipzstd') {
    throw new ArchiveFormatError(
      `artifact format ${format} is not supported`,
      'Use zip, gzip or raw.',
    )
  }
  if (format === 'zipzstd') {
    // TODO(#artifacts-zstd): Node 20 has no zstd; GitLab reads a deflate zip the same way.
    lines.push(helperWarning('artifact format zipzstd is not supported here; using zip'))
  }
  await createZipArchive(archiveOptions)

  return { ...common, filePath, format: 'zip', warnings: warningsOf(lines), cleanup }
}
