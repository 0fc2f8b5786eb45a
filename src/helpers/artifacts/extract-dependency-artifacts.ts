/**
 * Unpacks a dependency's downloaded artifacts archive into the project dir (section 15),
 * refusing hostile entries (C-14). Skipped entries become helper warnings in the log; the
 * extraction goes on. A malformed archive throws ArchiveReadError (the stage fails).
 */
import { extractZipArchive } from '../archive/extract-zip-archive.js'
import { helperWarning, type ReportLine } from '../helper-log/report-line.js'

export interface ExtractDependencyArtifactsResult {
  extractedCount: number
  lines: ReportLine[]
  warnings: string[]
}

export async function extractDependencyArtifacts(options: {
  archivePath: string
  projectDir: string
}): Promise<ExtractDependencyArtifactsResult> {
  const result = await extractZipArchive({
    archivePath: options.archivePath,
    destinationDir: options.projectDir,
  })

  return {
    extractedCount: result.extractedCount,
    lines: result.warnings.map((warning) => helperWarning(warning)),
    warnings: result.warnings,
  }
}
