import { GlrunnerError } from '../../core/errors.js'

/** Writing an archive failed (a file vanished or changed, the disk is full, …). */
export class ArchiveCreateError extends GlrunnerError {
  constructor(destination: string, cause: unknown) {
    super('GLR_ARCHIVE_CREATE', `creating archive ${destination}`, { cause })
  }
}

/** An archive cannot be read: not a zip, truncated, corrupt entry data. */
export class ArchiveReadError extends GlrunnerError {
  constructor(archivePath: string, cause: unknown) {
    super('GLR_ARCHIVE_INVALID', `reading archive ${archivePath}`, {
      cause,
      hint: 'The archive is damaged or is not a zip file; create it again.',
    })
  }
}

/** The entries given cannot be written in the requested format (e.g. raw with two files). */
export class ArchiveFormatError extends GlrunnerError {
  constructor(message: string, hint?: string) {
    super('GLR_ARCHIVE_FORMAT', message, hint === undefined ? {} : { hint })
  }
}

/** Writing an extracted entry failed on this side (disk full, permissions, …). */
export class ArchiveExtractError extends GlrunnerError {
  constructor(archivePath: string, entryName: string, cause: unknown) {
    super('GLR_ARCHIVE_EXTRACT', `extracting ${entryName} from ${archivePath}`, { cause })
  }
}
