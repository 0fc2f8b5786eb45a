/**
 * One job as the coordinator tracks it: state, trace, every update the runner sent, and
 * uploaded artifacts. Tests read these records directly.
 */
import type { CommitInfo } from './git-repo.js'
import type { ArtifactRecord, JobSpec, JobState, JobUpdateRecord } from './types.js'

export class JobRecord {
  state: JobState = 'pending'
  /** Handed out to a runner whose manager advertised two_phase_job_commit, not yet acked. */
  awaitingAck = false
  runnerId: number | undefined
  /** system_id of the manager that picked it (`<legacy>` when none was sent). */
  systemId: string | undefined
  /** The reason the job failed with, normalised as GitLab stores it. */
  failureReason: string | undefined
  /** The failure_reason string exactly as the runner sent it. */
  reportedFailureReason: string | undefined
  exitCode: number | undefined
  /** `output.checksum` (or legacy `checksum`) of the final update. */
  checksum: string | undefined
  /** Whether that checksum equals `crc32:` + CRC-32 of the stored trace; undefined when none sent. */
  checksumMatches: boolean | undefined
  /** `output.bytesize` of the final update. */
  bytesize: number | undefined
  /** Whether that bytesize equals the stored trace length; undefined when none sent. */
  bytesizeMatches: boolean | undefined
  /** `debug_trace` query value of the latest trace PATCH. */
  debugTrace = false
  tokenRevoked = false
  /** The payload handed out (after payloadPatch), as sent. */
  payload: unknown
  readonly updates: JobUpdateRecord[] = []
  readonly artifacts: ArtifactRecord[] = []
  readonly enqueuedAt = Date.now()
  pickedAt: number | undefined
  /** When the job became `running` (picked, or acknowledged under two-phase commit). */
  runningSince: number | undefined
  /** The last sign of life from its runner: the pick, then every PUT and accepted PATCH. */
  lastContactAt: number | undefined
  /** runner_info.timeout handed out with the job, in seconds. */
  timeoutSeconds: number | undefined
  finishedAt: number | undefined
  /** Commit metadata read at enqueue time (CI_COMMIT_* variables). */
  commit: CommitInfo | undefined
  /** Set by cancelJob. */
  cancelMode: 'graceful' | 'hard' | undefined

  private chunks: Buffer[] = []
  private joined: Buffer | undefined = Buffer.alloc(0)
  private length = 0

  constructor(
    readonly id: number,
    readonly token: string,
    readonly projectId: number,
    readonly pipelineId: number,
    readonly sha: string,
    readonly spec: JobSpec,
  ) {}

  get name(): string {
    return this.spec.name ?? 'test'
  }

  /** The stored trace bytes (joined lazily: appends are frequent, reads rare). */
  get trace(): Buffer {
    if (this.joined === undefined) {
      this.joined = Buffer.concat(this.chunks, this.length)
      this.chunks = [this.joined]
    }

    return this.joined
  }

  get traceLength(): number {
    return this.length
  }

  appendTrace(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(Buffer.from(chunk))
    this.length += chunk.length
    this.joined = undefined
  }

  /** Keeps only the first `length` bytes (412 reset, simulated data loss). */
  truncateTrace(length: number): void {
    const kept = this.trace.subarray(0, Math.max(0, Math.min(length, this.length)))
    this.chunks = [Buffer.from(kept)]
    this.length = kept.length
    this.joined = undefined
  }

  /** Running from the API's point of view: PATCH/PUT allowed. */
  get processing(): boolean {
    return this.state === 'running' || this.state === 'canceling'
  }

  /** Ends the job as the server decided (a drop, not a runner's report) and says so. */
  drop(failureReason: string, now: number): void {
    // A job the user canceled ends as canceled, as it does when its runner reports.
    this.state = this.state === 'canceling' ? 'canceled' : 'failed'
    if (this.state === 'failed') this.failureReason = failureReason
    this.awaitingAck = false
    this.finishedAt = now
  }

  get final(): boolean {
    return this.state === 'success' || this.state === 'failed' || this.state === 'canceled'
  }
}
