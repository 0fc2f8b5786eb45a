/**
 * Runner lifecycle endpoints (spec 1.4–1.8): register, verify, unregister, token reset.
 * Every failure throws an ApiError whose message says what went wrong and what to do.
 */
import { formatError } from '../core/errors.js'
import { tokenForLog } from '../core/tokens.js'
import { ApiError, gitlabMessage, STATUS_CLIENT_ERROR, STATUS_REQUEST_FAILED } from './api-error.js'
import { createApiClient, type ApiClient, type ApiResponse } from './api-client.js'
import type { RunnerInfo } from './runner-info.js'

export { createApiClient }

export interface RegisteredRunner {
  id: number
  token: string
  tokenExpiresAt: string | null
}

export interface RegisterRunnerOptions {
  registrationToken: string
  description?: string
  maintenanceNote?: string
  tagList?: string[]
  runUntagged?: boolean
  locked?: boolean
  accessLevel?: string
  maximumTimeout?: number
  paused?: boolean
  info: RunnerInfo
}

/** Legacy registration with a registration token (`POST runners`). */
export async function registerRunner(client: ApiClient, o: RegisterRunnerOptions): Promise<RegisteredRunner> {
  const tags = (o.tagList ?? []).map((tag) => tag.trim()).filter((tag) => tag !== '')
  const body: Record<string, unknown> = {
    token: o.registrationToken,
    ...(o.description ? { description: o.description } : {}),
    ...(o.maintenanceNote ? { maintenance_note: o.maintenanceNote } : {}),
    ...(tags.length > 0 ? { tag_list: tags.join(',') } : {}),
    run_untagged: o.runUntagged ?? tags.length === 0,
    locked: o.locked ?? true,
    ...(o.accessLevel ? { access_level: o.accessLevel } : {}),
    ...(o.maximumTimeout ? { maximum_timeout: o.maximumTimeout } : {}),
    paused: o.paused ?? false,
    info: o.info,
  }
  const res = await client.request({ endpoint: 'register_runner', method: 'POST', path: 'runners', json: body, expectJson: true, runnerToken: o.registrationToken })
  if (res.status === 201) return registeredFrom(res, 'registering runner')

  const what = `registering runner with token ${tokenForLog(o.registrationToken)}`
  if (res.status === 403) throw new ApiError(`${what}: forbidden (check registration token)`, 403, res.body, { hint: 'Check the registration token in the GitLab runner settings.' })
  if (res.status === 410) {
    throw new ApiError(`${what}: registration tokens are disabled on this GitLab instance`, 410, res.body, {
      hint: 'Create the runner in the GitLab UI (or API) and register with its authentication token: --token glrt-…',
    })
  }
  if (res.status === 400) throw new ApiError(`${what}: rejected: ${gitlabMessage(res.body)}`, 400, res.body)
  throw failure(what, res)
}

/** Checks an authentication token (`POST runners/verify`); old GitLab's plain `200` counts. */
export async function verifyRunner(client: ApiClient, o: { token: string; systemId?: string; info: RunnerInfo }): Promise<RegisteredRunner> {
  const body = { token: o.token, ...(o.systemId ? { system_id: o.systemId } : {}), info: o.info }
  const res = await client.request({ endpoint: 'verify_runner', method: 'POST', path: 'runners/verify', json: body, runnerToken: o.token })
  const what = `verifying runner ${tokenForLog(o.token)}`
  if (res.status === 200) {
    try {
      const parsed = JSON.parse(res.body.toString('utf8')) as unknown
      if (typeof parsed === 'object' && parsed !== null) return registeredFrom({ ...res, json: parsed }, what, o.token)
    } catch {
      // Pre-16 GitLab answers a plain-text "200": valid, but without an id.
    }

    return { id: 0, token: o.token, tokenExpiresAt: null }
  }
  if (res.status === 403) {
    throw new ApiError(`${what}: forbidden (token invalid or runner deleted)`, 403, res.body, { hint: 'Check the token, or create a new runner in GitLab.' })
  }
  if (res.status === 422) throw new ApiError(`${what}: runner is orphaned (its project or group no longer exists)`, 422, res.body)
  throw failure(what, res)
}

/** Deletes the whole runner (`DELETE runners`); for legacy, non-`glrt-` tokens. */
export async function unregisterRunner(client: ApiClient, o: { token: string }): Promise<void> {
  const res = await client.request({ endpoint: 'unregister_runner', method: 'DELETE', path: 'runners', json: { token: o.token }, runnerToken: o.token })
  if (res.status === 204) return

  const what = `unregistering runner ${tokenForLog(o.token)}`
  if (res.status === 403) throw new ApiError(`${what}: forbidden (token invalid or runner already deleted)`, 403, res.body)
  throw failure(what, res)
}

/** Deletes only this runner manager (`DELETE runners/managers`); for `glrt-` tokens. */
export async function unregisterManager(client: ApiClient, o: { token: string; systemId: string }): Promise<void> {
  const res = await client.request({ endpoint: 'unregister_runner_manager', method: 'DELETE', path: 'runners/managers', json: { token: o.token, system_id: o.systemId }, runnerToken: o.token })
  if (res.status === 204) return

  const what = `unregistering runner manager ${o.systemId} of runner ${tokenForLog(o.token)}`
  if (res.status === 403) throw new ApiError(`${what}: forbidden (token invalid or runner deleted)`, 403, res.body)
  if (res.status === 404) throw new ApiError(`${what}: runner manager not found`, 404, res.body)
  throw failure(what, res)
}

/** Replaces the runner token (`POST runners/reset_authentication_token`). */
export async function resetRunnerToken(client: ApiClient, o: { token: string }): Promise<{ token: string; tokenExpiresAt: string | null }> {
  const res = await client.request({ endpoint: 'reset_token', method: 'POST', path: 'runners/reset_authentication_token', json: { token: o.token }, expectJson: true, runnerToken: o.token })
  const what = `resetting token of runner ${tokenForLog(o.token)}`
  if (res.status === 201) {
    const { token, tokenExpiresAt } = registeredFrom(res, what)

    return { token, tokenExpiresAt }
  }
  if (res.status === 403) throw new ApiError(`${what}: forbidden (token invalid or runner deleted)`, 403, res.body)
  if (res.status === 422) throw new ApiError(`${what}: refused by GitLab: ${gitlabMessage(res.body)}`, 422, res.body)
  throw failure(what, res)
}

function registeredFrom(res: ApiResponse, what: string, fallbackToken?: string): RegisteredRunner {
  const json = (res.json ?? {}) as { id?: unknown; token?: unknown; token_expires_at?: unknown }
  const token = typeof json.token === 'string' && json.token !== '' ? json.token : fallbackToken
  if (token === undefined) throw new ApiError(`${what}: the answer has no token`, res.status, res.body)

  return {
    id: typeof json.id === 'number' ? json.id : 0,
    token,
    tokenExpiresAt: typeof json.token_expires_at === 'string' && json.token_expires_at !== '' ? json.token_expires_at : null,
  }
}

function failure(what: string, res: ApiResponse): ApiError {
  if (res.status === STATUS_CLIENT_ERROR) {
    return new ApiError(`${what}: cannot use the GitLab URL: ${formatError(res.error)}`, res.status, '', { cause: res.error, hint: 'Use an http:// or https:// URL.' })
  }
  if (res.status === STATUS_REQUEST_FAILED) {
    return new ApiError(`${what}: request failed: ${formatError(res.error)}`, res.status, '', { cause: res.error, hint: 'Check the GitLab URL and that the server is reachable.' })
  }

  return new ApiError(`${what}: unexpected answer HTTP ${res.status}: ${gitlabMessage(res.body)}`, res.status, res.body)
}
