/**
 * Names and labels of everything a job creates on the engine (executors.md 4.1, 4.5, 4.7,
 * 4.9), so cleanup and the start-up reaper can find it again.
 */
import { createHash, randomBytes } from 'node:crypto'
import { formatGoDuration } from '../../core/duration.js'
import type { JobPayload } from '../../gitlab/job-payload.js'
import { currentOwner, formatOwner, OWNER_LABEL } from './process-owner.js'

export const LABEL_PREFIX = 'com.gitlab.gitlab-runner'
export const MANAGED_LABEL = `${LABEL_PREFIX}.managed`

export interface JobIdentity {
  shortToken: string
  fullToken: string
  systemId: string
  concurrentProjectId: number
  concurrentId: number
}

export interface JobNames {
  /** `runner-<short>-project-<id>-concurrent-<n>-<16 hex>`: containers and temp volumes. */
  base: string
  /** `runner-<32 hex>`: persistent per-project volumes. */
  realUnique: string
  network: string
  labels: Record<string, string>
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex')

export function jobNames(payload: JobPayload, identity: JobIdentity, containerLabels: Record<string, string>): JobNames {
  const projectId = payload.job_info.project_id
  const cpid = identity.concurrentProjectId
  const base = `runner-${identity.shortToken}-project-${projectId}-concurrent-${cpid}-${randomBytes(8).toString('hex')}`
  const realUnique = `runner-${createHash('sha256').update(`${identity.fullToken}-${identity.systemId}-${projectId}-${cpid}`).digest('hex').slice(0, 32)}`
  const network = `runner-${identity.shortToken}-${projectId}-${cpid}-${payload.id}`.toLowerCase().replace(/[^a-z0-9-]/g, '-')

  // The owner label lets the start-up reaper tell a crashed job's objects from a running one's.
  const labels = { ...userLabels(containerLabels), ...jobLabels(payload, identity), [OWNER_LABEL]: formatOwner(currentOwner()) }

  return { base, realUnique, network, labels }
}

function userLabels(labels: Record<string, string>): Record<string, string> {
  // The official prefix is reserved for the runner's own labels.
  return Object.fromEntries(Object.entries(labels).filter(([key]) => !key.startsWith(`${LABEL_PREFIX}.`)))
}

function jobLabels(payload: JobPayload, identity: JobIdentity): Record<string, string> {
  const timeout = payload.runner_info.timeout > 0 ? payload.runner_info.timeout : 7200

  return {
    [`${LABEL_PREFIX}.job.id`]: String(payload.id),
    [`${LABEL_PREFIX}.job.url`]: jobUrl(payload),
    [`${LABEL_PREFIX}.job.sha`]: payload.git_info.sha,
    [`${LABEL_PREFIX}.job.before_sha`]: payload.git_info.before_sha,
    [`${LABEL_PREFIX}.job.ref`]: payload.git_info.ref,
    [`${LABEL_PREFIX}.job.timeout`]: formatGoDuration(timeout * 1000),
    [`${LABEL_PREFIX}.project.id`]: String(payload.job_info.project_id),
    [`${LABEL_PREFIX}.project.runner_id`]: String(identity.concurrentProjectId),
    [`${LABEL_PREFIX}.pipeline.id`]: String(payload.job_info.pipeline_id),
    [`${LABEL_PREFIX}.runner.id`]: identity.shortToken,
    [`${LABEL_PREFIX}.runner.local_id`]: String(identity.concurrentId),
    [`${LABEL_PREFIX}.runner.system_id`]: identity.systemId,
    [MANAGED_LABEL]: 'true',
  }
}

function jobUrl(payload: JobPayload): string {
  const project = payload.variables.findLast((item) => item.key === 'CI_PROJECT_URL')?.value

  return project !== undefined && project !== '' ? `${project}/-/jobs/${payload.id}` : ''
}

/** Labels of one object: the job's, its type, and any extras (service name, wait target). */
export function typedLabels(names: JobNames, type: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...names.labels, [`${LABEL_PREFIX}.type`]: type, ...extra }
}

/** `<prefix>-cache-<md5(container path)>`: persistent with realUnique, per job with base. */
export function cacheVolumeName(prefix: string, containerPath: string, isProtected: boolean): string {
  return `${prefix}-cache-${md5(containerPath)}${isProtected ? '-protected' : ''}`
}

/** Directory name under `cache_dir` for a container path (host-backed cache volumes). */
export function cacheDirSuffix(containerPath: string): string {
  return md5(containerPath)
}
