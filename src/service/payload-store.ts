/**
 * Saving received job payloads for `run-single --payload` (job replay). A saved file holds
 * the payload exactly as GitLab sent it except for secrets:
 *
 * - the job token (top-level `token`, `dependencies[].token`, and anywhere else the same
 *   string appears, e.g. inside CI_REPOSITORY_URL) becomes `[REDACTED]`;
 * - credentials in URLs (`git_info.repo_url`, variables holding URLs) are removed;
 * - registry and other `credentials[].password` become `[REDACTED]`;
 * - variables that are masked or known to hold tokens (CI_JOB_TOKEN, CI_REGISTRY_PASSWORD,
 *   CI_JOB_JWT…) get the value `[REDACTED]` and are listed in `redacted_variables`, so a
 *   replay can take them from its environment or leave them empty.
 *
 * Files are written with mode 0600: what remains (scripts, variables) is still private.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { formatError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { JobOutcome } from '../manager/job-runner.js'
import type { ManagerObserver } from '../manager/runner-manager.js'

export const REDACTED = '[REDACTED]'
export const SAVED_PAYLOAD_FORMAT = 'glrunner-saved-payload/1'

/** Variables whose values are credentials even when not marked masked. */
const SECRET_VARIABLES = new Set([
  'CI_JOB_TOKEN', 'CI_BUILD_TOKEN', 'CI_REGISTRY_PASSWORD', 'CI_DEPENDENCY_PROXY_PASSWORD',
  'CI_JOB_JWT', 'CI_JOB_JWT_V1', 'CI_JOB_JWT_V2', 'CI_DEPLOY_PASSWORD', 'GITLAB_TOKEN',
])

export interface SavedPayload {
  format: typeof SAVED_PAYLOAD_FORMAT
  saved_at: string
  outcome?: { state: string; failure_reason?: string }
  /** Keys whose values were replaced by `[REDACTED]`. */
  redacted_variables: string[]
  payload: Record<string, unknown>
}

type Json = Record<string, unknown>

/** A copy of `raw` without secrets, and the keys of the variables that lost their value. */
export function redactPayload(raw: unknown): { payload: Json; redactedVariables: string[] } {
  const payload = structuredClone(raw) as Json
  const jobToken = typeof payload.token === 'string' && payload.token.length >= 8 ? payload.token : undefined
  const redactedVariables: string[] = []

  if (payload.token !== undefined) payload.token = REDACTED
  const git = payload.git_info as Json | undefined
  if (git && typeof git.repo_url === 'string') git.repo_url = stripUrlCredentials(git.repo_url)
  for (const credential of asArray(payload.credentials)) if ('password' in credential) credential.password = REDACTED
  for (const dependency of asArray(payload.dependencies)) if ('token' in dependency) dependency.token = REDACTED
  for (const variable of [...asArray(payload.variables), ...asArray(payload.image && (payload.image as Json).variables)]) {
    if (typeof variable.key !== 'string' || typeof variable.value !== 'string') continue
    if (variable.masked === true || SECRET_VARIABLES.has(variable.key)) {
      if (variable.value !== '') redactedVariables.push(variable.key)
      variable.value = variable.value === '' ? '' : REDACTED
    } else {
      variable.value = stripUrlCredentials(variable.value)
    }
  }

  // Whatever else carries the job token (a custom variable, a hook script) loses it too.
  const text = JSON.stringify(payload)
  const scrubbed = jobToken ? text.split(jobToken).join(REDACTED) : text

  return { payload: JSON.parse(scrubbed) as Json, redactedVariables: [...new Set(redactedVariables)] }
}

/** `https://user:secret@host/x` → `https://host/x`; anything that is not such a URL is kept. */
export function stripUrlCredentials(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(value)) return value
  try {
    const url = new URL(value)
    url.username = ''
    url.password = ''

    return url.toString()
  } catch {
    return value
  }
}

/** Writes `<dir>/job-<id>.json`; returns the path. */
export async function savePayload(dir: string, raw: unknown, outcome?: JobOutcome): Promise<string> {
  const { payload, redactedVariables } = redactPayload(raw)
  const saved: SavedPayload = {
    format: SAVED_PAYLOAD_FORMAT,
    saved_at: new Date().toISOString(),
    ...(outcome ? { outcome: { state: outcome.state, ...(outcome.failureReason ? { failure_reason: outcome.failureReason } : {}) } } : {}),
    redacted_variables: redactedVariables,
    payload,
  }
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const id = typeof payload.id === 'number' ? payload.id : Date.now()
  const path = join(dir, `job-${id}.json`)
  await writeFile(path, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 })

  return path
}

/** Saves every job's payload once it finished (with its outcome) — `--save-payloads DIR`. */
export function payloadSaver(dir: string, logger: Logger): ManagerObserver {
  return {
    jobReceived: ({ payload }) => ({
      finished: (outcome) => {
        savePayload(dir, payload, outcome).then(
          (path) => logger.info('job payload saved', { job: outcome.jobId, path, replay: `glrunner run-single --payload ${path} --repo <clone>` }),
          (err: unknown) => logger.error('saving the job payload failed', { job: outcome.jobId, error: formatError(err) }),
        )
      },
    }),
  }
}

function asArray(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter((item): item is Json => typeof item === 'object' && item !== null) : []
}
