/**
 * The boundary between the manager (which talks to GitLab) and the engine (which runs
 * one job). The manager hands over a parsed payload, the runner's config entry, a trace
 * store to write into and the job's control signals; the engine returns the outcome to
 * report in the final update. The engine never talks HTTP except through `gitlab`
 * (artifact upload/download), and never throws: every failure becomes a BuildResult.
 */
import type { RunnerConfig } from '../config/runner-config.js'
import type { FailureReason } from '../core/errors.js'
import type { JobPayload } from '../gitlab/job-payload.js'
import type { ExecutorProvider } from '../executors/executor.js'
import type { WritableTraceStore } from './job-log/types.js'

/** Why a job is being stopped from outside. */
export type AbortReason =
  | { kind: 'canceled' }
  | { kind: 'interrupted'; signal: string }

export interface JobControl {
  /**
   * Hard stop: Job-Status canceled/failed, a 403 from GitLab, or a forceful runner
   * shutdown. Kills the running stage; no further stage runs. `signal.reason` is an
   * AbortReason.
   */
  abort: AbortSignal
  /** Graceful cancel (Job-Status canceling): stop the script, still run after_script. */
  cancel: AbortSignal
}

/** What the engine needs to know about the runner process running it. */
export interface RunnerIdentity {
  /** Short token shown in the header and used in the builds dir layout. */
  shortToken: string
  systemId: string
  /** Slot among running jobs of this runner token (CI_CONCURRENT_ID). */
  concurrentId: number
  /** Slot among running jobs of this runner token and project (CI_CONCURRENT_PROJECT_ID). */
  concurrentProjectId: number
}

/** Artifact transfer, provided by the manager (it owns the API client). */
export interface ArtifactsTransport {
  /** Streams an archive file to GitLab; resolves on 201, rejects with a GlrunnerError. */
  upload(options: {
    jobId: number
    jobToken: string
    filePath: string
    fileName: string
    artifactType: string
    artifactFormat: string
    expireIn: string
  }): Promise<void>
  /** Downloads a dependency's archive to `destination`; rejects with a GlrunnerError. */
  download(options: { jobId: number; jobToken: string; destination: string }): Promise<void>
}

export interface BuildRequest {
  payload: JobPayload
  runner: RunnerConfig
  identity: RunnerIdentity
  executor: ExecutorProvider
  /** Where the job log's bytes go (the manager's uploader reads it). */
  trace: WritableTraceStore
  control: JobControl
  artifacts: ArtifactsTransport
  /** PEM chain trusted for GitLab, exported as CI_SERVER_TLS_CA_FILE when known. */
  serverCaChain?: string
}

export interface BuildResult {
  state: 'success' | 'failed'
  /** Internal reason; mapped onto the payload's `features.failure_reasons` before sending. */
  failureReason?: FailureReason
  /** The script's exit code on script_failure. */
  exitCode?: number
}
