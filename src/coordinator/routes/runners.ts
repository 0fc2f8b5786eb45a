/**
 * Runner lifecycle: legacy registration, verify, unregister (runner and manager), token
 * reset and router discovery (runner-api.md section 1).
 */
import { field, header, sendEmpty, sendJson, sendMessage, sendText, type RouteContext } from '../http.js'
import { newAuthenticationToken, newLegacyRunnerToken } from '../tokens.js'
import type { RunnerRecord } from '../types.js'
import type { Route } from './route.js'

const ACCESS_LEVELS = ['not_protected', 'ref_protected']

function parseTags(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return []
  if (typeof value === 'string') return value.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '')
  if (Array.isArray(value) && value.every((tag) => typeof tag === 'string')) return value.map((tag) => tag.trim()).filter((tag) => tag !== '')

  return undefined
}

/** Grape-style validation of the legacy registration body; returns the 400 message or the runner fields. */
function validateRegistration(json: unknown): { errors: Record<string, string[]> } | { runner: Partial<RunnerRecord> } {
  const errors: Record<string, string[]> = {}
  const tags = parseTags(field(json, 'tag_list'))
  if (tags === undefined) errors.tag_list = ['is invalid']
  const runUntagged = field(json, 'run_untagged') ?? true
  if (typeof runUntagged !== 'boolean') errors.run_untagged = ['is invalid']
  if (runUntagged === false && tags !== undefined && tags.length === 0) {
    errors.tags_list = ['can not be empty when runner is not allowed to pick untagged jobs']
  }
  const accessLevel = field(json, 'access_level') ?? 'not_protected'
  if (typeof accessLevel !== 'string' || !ACCESS_LEVELS.includes(accessLevel)) errors.access_level = ['does not have a valid value']
  if (field(json, 'maintenance_note') !== undefined && field(json, 'maintainer_note') !== undefined) {
    errors['maintenance_note, maintainer_note'] = ['are mutually exclusive']
  }
  if (field(json, 'paused') !== undefined && field(json, 'active') !== undefined) errors['paused, active'] = ['are mutually exclusive']
  const maximumTimeout = field(json, 'maximum_timeout')
  if (maximumTimeout !== undefined && (typeof maximumTimeout !== 'number' || maximumTimeout < 600)) {
    errors.maximum_timeout = ['needs to be at least 10 minutes']
  }
  if (Object.keys(errors).length > 0) return { errors }

  const active = field(json, 'active')
  const description = field(json, 'description')

  return {
    runner: {
      description: typeof description === 'string' ? description : '',
      tags: tags ?? [],
      runUntagged: runUntagged as boolean,
      paused: field(json, 'paused') === true || active === false,
      locked: field(json, 'locked') !== false,
      accessLevel: accessLevel as string,
      maximumTimeout: typeof maximumTimeout === 'number' ? maximumTimeout : undefined,
    },
  }
}

function register(ctx: RouteContext): void {
  const token = field(ctx.json, 'token')
  if (typeof token !== 'string' || token === '') return sendMessage(ctx.res, 400, 'token is missing')
  const registration = ctx.state.registrationTokens.get(token)
  if (registration === undefined) return sendMessage(ctx.res, 403)
  if (registration.disabled) return sendMessage(ctx.res, 410, 'runner registration disallowed')

  const validated = validateRegistration(ctx.json)
  if ('errors' in validated) return sendJson(ctx.res, 400, { message: validated.errors })

  const info = field(ctx.json, 'info')
  const runner: RunnerRecord = {
    id: ctx.state.allocateRunnerId(),
    token: newLegacyRunnerToken(),
    tokenObtainedAt: Date.now(),
    tokenExpiresAt: null,
    description: '',
    tags: [],
    runUntagged: true,
    paused: false,
    locked: true,
    accessLevel: 'not_protected',
    maximumTimeout: undefined,
    ...validated.runner,
    registrationToken: token,
    managers: new Map(),
    registrationInfo: typeof info === 'object' && info !== null ? (info as Record<string, unknown>) : undefined,
  }
  ctx.state.runners.set(runner.id, runner)
  sendJson(ctx.res, 201, { id: runner.id, token: runner.token, token_expires_at: runner.tokenExpiresAt })
}

/** Grape answers 400 when the required `token` param is absent. */
export function missingToken(ctx: RouteContext): boolean {
  const token = field(ctx.json, 'token')
  if (typeof token === 'string' && token !== '') return false
  sendMessage(ctx.res, 400, 'token is missing')

  return true
}

function verify(ctx: RouteContext): void {
  if (missingToken(ctx)) return
  const runner = ctx.state.runnerByToken(field(ctx.json, 'token'))
  if (runner === undefined) return sendMessage(ctx.res, 403)
  const systemId = field(ctx.json, 'system_id')
  ctx.state.touchManager(runner, systemId, field(ctx.json, 'info'))
  if (ctx.options.verifyPlainText) return sendText(ctx.res, 200, '200')

  sendJson(ctx.res, 200, { id: runner.id, token: runner.token, token_expires_at: runner.tokenExpiresAt })
}

function unregister(ctx: RouteContext): void {
  const token = field(ctx.json, 'token')
  if (typeof token !== 'string' || token === '') return sendMessage(ctx.res, 400, 'token is missing')
  const runner = ctx.state.runnerByToken(token)
  if (runner === undefined) return sendMessage(ctx.res, 403)
  ctx.state.runners.delete(runner.id)
  sendEmpty(ctx.res, 204)
}

function unregisterManager(ctx: RouteContext): void {
  const token = field(ctx.json, 'token')
  const systemId = field(ctx.json, 'system_id')
  if (typeof token !== 'string' || token === '') return sendMessage(ctx.res, 400, 'token is missing')
  if (typeof systemId !== 'string') return sendMessage(ctx.res, 400, 'system_id is missing')
  const runner = ctx.state.runnerByToken(token)
  if (runner === undefined) return sendMessage(ctx.res, 403)
  if (!runner.managers.delete(systemId)) return sendJson(ctx.res, 404, { message: '404 Runner manager not found' })
  sendEmpty(ctx.res, 204)
}

function resetToken(ctx: RouteContext): void {
  if (missingToken(ctx)) return
  const runner = ctx.state.runnerByToken(field(ctx.json, 'token'))
  if (runner === undefined) return sendMessage(ctx.res, 403)
  rotate(ctx, runner)
}

/** PAT variant: `POST runners/:id/reset_authentication_token` with PRIVATE-TOKEN. */
function resetTokenWithPat(ctx: RouteContext): void {
  const pat = header(ctx, 'private-token')
  if (pat === undefined || !ctx.state.personalAccessTokens.has(pat)) return sendMessage(ctx.res, 401)
  const runner = ctx.state.runners.get(Number(ctx.params[0]))
  if (runner === undefined) return sendMessage(ctx.res, 404)
  rotate(ctx, runner)
}

function rotate(ctx: RouteContext, runner: RunnerRecord): void {
  const now = Date.now()
  if (runner.tokenExpiresAt !== null) {
    // Keep the lifetime the runner was created with.
    const lifetimeMs = Date.parse(runner.tokenExpiresAt) - runner.tokenObtainedAt
    runner.tokenExpiresAt = new Date(now + Math.max(lifetimeMs, 1000)).toISOString()
  }
  runner.token = runner.token.startsWith('glrt-') ? newAuthenticationToken() : newLegacyRunnerToken()
  runner.tokenObtainedAt = now
  sendJson(ctx.res, 201, { token: runner.token, token_expires_at: runner.tokenExpiresAt })
}

function discovery(ctx: RouteContext): void {
  // Authenticates only from the header; the job router is never offered here.
  if (ctx.state.runnerByToken(header(ctx, 'runner-token')) === undefined) return sendMessage(ctx.res, 403)
  sendMessage(ctx.res, 501)
}

export const runnerRoutes: Route[] = [
  { method: 'POST', pattern: /^\/api\/v4\/runners$/, endpoint: 'register', handler: register },
  { method: 'POST', pattern: /^\/api\/v4\/runners\/verify$/, endpoint: 'verify', handler: verify },
  { method: 'DELETE', pattern: /^\/api\/v4\/runners$/, endpoint: 'unregister', handler: unregister },
  { method: 'DELETE', pattern: /^\/api\/v4\/runners\/managers$/, endpoint: 'unregister_manager', handler: unregisterManager },
  { method: 'POST', pattern: /^\/api\/v4\/runners\/reset_authentication_token$/, endpoint: 'reset_token', handler: resetToken },
  { method: 'POST', pattern: /^\/api\/v4\/runners\/(\d+)\/reset_authentication_token$/, endpoint: 'reset_token', handler: resetTokenWithPat },
  { method: 'GET', pattern: /^\/api\/v4\/runners\/router\/discovery$/, endpoint: 'discovery', handler: discovery },
]
