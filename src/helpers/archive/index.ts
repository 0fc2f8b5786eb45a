export { ArchiveCreateError, ArchiveExtractError, ArchiveFormatError, ArchiveReadError } from './archive-errors.js'
export {
  COMPRESSION_LEVELS,
  isCompressionLevelName,
  parseCompressionLevel,
  type CompressionLevelName,
} from './compression-level.js'
export { createGzipArtifact, type CreateGzipArtifactOptions } from './create-gzip-artifact.js'
export {
  createZipArchive,
  type CreateZipArchiveOptions,
  type CreateZipArchiveResult,
} from './create-zip-archive.js'
export {
  extractZipArchive,
  type ExtractZipArchiveOptions,
  type ExtractZipArchiveResult,
  type SkippedEntry,
} from './extract-zip-archive.js'
export { listZipEntries, type ZipEntryInfo } from './list-zip-entries.js'
