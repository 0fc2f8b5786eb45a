/**
 * What GitLab's background workers do to jobs whose runner went quiet, so a runner that
 * dies can never leave a job (and a `glrunner exec` pipeline waiting on it) open forever.
 *
 * GitLab never puts a handed-out job back in the queue. Instead (as of GitLab 18):
 * - two-phase commit: a job handed out but neither acknowledged (`PUT state=running`) nor
 *   kept alive (`PUT state=pending`) within 2 minutes (RUNNER_ACK_QUEUE_EXPIRY_TIME) is
 *   dropped with `runner_provisioning_timeout`; only a `retry:` rule makes a new job of it.
 *   runner-api.md 3.5 says "re-queues"; GitLab's RetryWaitingJobService drops the job and
 *   relies on its auto-retry, which without `retry:` does nothing.
 * - a running job with no update for 1 hour (StuckBuilds::DropRunningService) is dropped
 *   with `stuck_or_timeout_failure`;
 * - a running job past its timeout (TimedOutBuilds::DropTimedOutService) is dropped with
 *   `job_execution_timeout`. GitLab does that from a periodic worker; we add a grace so a
 *   live runner that enforced the timeout itself still gets its after_script and final
 *   update in.
 * A job being canceled ends as canceled rather than failed.
 */
import type { JobRecord } from './job-record.js'

export interface ReaperTimeouts {
  /** Two-phase commit: longest wait for an acknowledgement or keep-alive. */
  ackTimeoutMs: number
  /** Longest a running job may go without any PUT or PATCH from its runner. */
  staleJobTimeoutMs: number
  /** Added to the job's own timeout before the server drops it. */
  jobTimeoutGraceMs: number
}

export const DEFAULT_ACK_TIMEOUT_MS = 2 * 60_000
export const DEFAULT_STALE_JOB_TIMEOUT_MS = 60 * 60_000
export const DEFAULT_JOB_TIMEOUT_GRACE_MS = 5 * 60_000

/** The failure reason `job` must be dropped with now, or undefined while it may go on. */
export function overdueReason(job: JobRecord, now: number, timeouts: ReaperTimeouts): string | undefined {
  if (job.final || job.lastContactAt === undefined) return undefined
  const quietMs = now - job.lastContactAt
  if (job.awaitingAck) return quietMs > timeouts.ackTimeoutMs ? 'runner_provisioning_timeout' : undefined
  if (!job.processing) return undefined

  if (job.runningSince !== undefined && job.timeoutSeconds !== undefined && now - job.runningSince > job.timeoutSeconds * 1000 + timeouts.jobTimeoutGraceMs) {
    return 'job_execution_timeout'
  }

  return quietMs > timeouts.staleJobTimeoutMs ? 'stuck_or_timeout_failure' : undefined
}

/** How often to look: a quarter of the shortest timeout, between 50 ms and 30 s. */
export function sweepIntervalMs(timeouts: ReaperTimeouts): number {
  const shortest = Math.min(timeouts.ackTimeoutMs, timeouts.staleJobTimeoutMs)

  return Math.min(30_000, Math.max(50, Math.floor(shortest / 4)))
}

/**
 * Sweeps `jobs()` every sweepIntervalMs and drops what is overdue; `dropped` tells the
 * owner (which emits the state change). The timer never keeps the process alive.
 */
export function startJobReaper(o: {
  jobs: () => Iterable<JobRecord>
  timeouts: ReaperTimeouts
  dropped: (job: JobRecord) => void
  now?: () => number
}): { stop: () => void } {
  const now = o.now ?? Date.now
  const timer = setInterval(() => {
    const at = now()
    for (const job of o.jobs()) {
      const reason = overdueReason(job, at, o.timeouts)
      if (reason === undefined) continue
      job.drop(reason, at)
      o.dropped(job)
    }
  }, sweepIntervalMs(o.timeouts))
  timer.unref()

  return { stop: () => clearInterval(timer) }
}
