/**
 * Why an artifact transfer failed, worded for the job log's `Job failed:` line. Both are
 * `script_failure` like the official helper commands, which simply exit 1 in the stage
 * script (job-execution.md 16.2); GitLab may still turn a missing dependency into its
 * own reason.
 */
import { STATUS_CODES } from 'node:http'
import { GlrunnerError } from '../../core/errors.js'
import { ApiError } from '../../gitlab/api-error.js'

/** Go's reason phrases where Node's differ: the helper lines quote Go's (`413 Request Entity Too Large`). */
const GO_STATUS_TEXT: Readonly<Record<number, string>> = {
  413: 'Request Entity Too Large',
  414: 'Request URI Too Long',
  416: 'Requested Range Not Satisfiable',
}

/** `404 Not Found`, or `request failed` when no HTTP answer came (status < 100). */
export function responseStatusText(err: unknown): string {
  if (!(err instanceof ApiError) || err.status < 100) return 'request failed'

  return `${err.status} ${GO_STATUS_TEXT[err.status] ?? STATUS_CODES[err.status] ?? ''}`.trim()
}

/** The official helper's one-word outcome for final download statuses (section 15). */
export function downloadOutcome(err: unknown): string {
  const status = err instanceof ApiError ? err.status : 0
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not found'

  return 'failed'
}

export class ArtifactDownloadError extends GlrunnerError {
  constructor(dependency: { name: string; id: number }, cause: unknown) {
    const what = `downloading artifacts for ${dependency.name} (${dependency.id})`
    const outcome = downloadOutcome(cause)
    const known: Record<string, string> = {
      'not found': `${what}: not found: job ${dependency.id} has no artifacts, or they expired`,
      forbidden: `${what}: forbidden: this job may not read job ${dependency.id}'s artifacts`,
      unauthorized: `${what}: unauthorized: the dependency token was refused`,
    }
    const message = known[outcome]
    // Known statuses say everything in one phrase; other failures keep their cause chain.
    super('GLR_ARTIFACTS_DOWNLOAD', message ?? what, {
      failureReason: 'script_failure',
      ...(message === undefined ? { cause } : {}),
      hint: 'Check that the job listed in dependencies/needs uploaded artifacts and that they have not expired.',
    })
  }
}

const TOO_LARGE_ADVICE =
  '413 Request Entity Too Large: the archive is over the maximum artifacts size of this GitLab; ' +
  'raise "Maximum artifacts size" (Admin Area > Settings > CI/CD, or the project\'s or group\'s ' +
  'Settings > CI/CD > General pipelines) or upload fewer files with artifacts:paths/exclude'

export class ArtifactUploadError extends GlrunnerError {
  constructor(options: { artifactType: string; fileName: string; sizeBytes: number; cause: unknown }) {
    const what = `uploading artifacts as "${options.artifactType}" (${options.fileName}, ${options.sizeBytes} bytes)`
    const tooLarge = options.cause instanceof ApiError && options.cause.status === 413
    // 413 is final and its advice is the point; other failures keep their cause chain.
    super(tooLarge ? 'GLR_ARTIFACTS_TOO_LARGE' : 'GLR_ARTIFACTS_UPLOAD', tooLarge ? `${what}: ${TOO_LARGE_ADVICE}` : what, {
      failureReason: 'script_failure',
      ...(tooLarge ? {} : { cause: options.cause }),
    })
  }
}
