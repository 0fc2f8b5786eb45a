/**
 * `POST /api/v4/jobs/request` (runner-api.md 2.2, 2.5, 2.6): Workhorse's optional long
 * poll in front of Rails' decision order — auth, paused, unchanged queue, pick.
 */
import { field, sendEmpty, sendJson, sendMessage, type RouteContext } from '../http.js'
import type { JobRecord } from '../job-record.js'
import { buildPayload, jobTimeoutSeconds } from '../payload.js'
import type { RunnerManagerRecord, RunnerRecord } from '../types.js'
import type { Route } from './route.js'
import { missingToken } from './runners.js'

/** Workhorse's body limit for long-polled job requests. */
const LONG_POLL_BODY_LIMIT_BYTES = 32 * 1024

/** Holds the request until the runner's queue changes or the hold ends; true when it answered. */
async function longPoll(ctx: RouteContext): Promise<boolean> {
  const token = field(ctx.json, 'token')
  const lastUpdate = field(ctx.json, 'last_update')
  // The first request of a runner (no last_update) and non-JSON bodies go straight through.
  if (typeof token !== 'string' || token === '' || typeof lastUpdate !== 'string' || lastUpdate === '') return false
  const runner = ctx.state.runnerByToken(token)
  if (runner === undefined || ctx.state.queueVersion(runner.id) !== lastUpdate) return false

  await new Promise<void>((resolve) => {
    let release = (): void => {}
    const finish = (): void => {
      clearTimeout(timer)
      release()
      ctx.res.off('close', onClose)
      resolve()
    }
    const onClose = (): void => finish()
    const timer = setTimeout(finish, ctx.options.longPollSeconds * 1000)
    release = ctx.state.holdPoll(runner.id, finish)
    ctx.res.on('close', onClose)
  })
  // Workhorse's own 204 carries no X-GitLab-Last-Update: the runner keeps its value.
  if (!ctx.res.destroyed) sendEmpty(ctx.res, 204)

  return true
}

function usesTwoPhaseCommit(manager: RunnerManagerRecord): boolean {
  const features = manager.info?.features

  return typeof features === 'object' && features !== null && (features as Record<string, unknown>).two_phase_job_commit === true
}

/** Binds the job to the runner and renders the payload it receives. */
function pick(ctx: RouteContext, runner: RunnerRecord, manager: RunnerManagerRecord, job: JobRecord): unknown {
  job.runnerId = runner.id
  job.systemId = manager.systemId
  job.pickedAt = Date.now()
  job.lastContactAt = job.pickedAt
  job.timeoutSeconds = jobTimeoutSeconds(job.spec, runner)
  if (usesTwoPhaseCommit(manager)) job.awaitingAck = true
  else {
    job.state = 'running'
    job.runningSince = job.pickedAt
  }
  ctx.state.bumpRunnersFor(job)

  const project = ctx.state.projects.get(job.projectId)
  if (project === undefined) throw new Error(`job ${job.id} refers to unknown project ${job.projectId}`)
  const session = field(ctx.json, 'session')
  const sessionUrl = field(session, 'url')
  const built = buildPayload({
    state: ctx.state,
    serverUrl: ctx.serverUrl,
    job,
    project,
    runner,
    sessionUrl: typeof sessionUrl === 'string' ? sessionUrl : null,
  })
  const payload = job.spec.rawPayload !== undefined ? job.spec.rawPayload : (job.spec.payloadPatch?.(built) ?? built)
  job.payload = payload
  ctx.state.emitJobState(job)

  return payload
}

async function requestJob(ctx: RouteContext): Promise<void> {
  if (ctx.options.longPollSeconds > 0) {
    ctx.res.setHeader('Gitlab-Ci-Builds-Polling', 'yes')
    if (ctx.body.length > LONG_POLL_BODY_LIMIT_BYTES) return sendMessage(ctx.res, 413)
    if (await longPoll(ctx)) return
  }

  if (missingToken(ctx)) return
  const runner = ctx.state.runnerByToken(field(ctx.json, 'token'))
  if (runner === undefined) return sendMessage(ctx.res, 403)
  const manager = ctx.state.touchManager(runner, field(ctx.json, 'system_id'), field(ctx.json, 'info'))
  const version = ctx.state.queueVersion(runner.id)
  const lastUpdateHeader = (value: string): Record<string, string> => ({ 'X-GitLab-Last-Update': value })
  if (runner.paused || field(ctx.json, 'last_update') === version) return sendEmpty(ctx.res, 204, lastUpdateHeader(version))

  const job = ctx.state.nextJobFor(runner)
  if (job === undefined) return sendEmpty(ctx.res, 204, lastUpdateHeader(version))

  const payload = pick(ctx, runner, manager, job)
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
    const body = Buffer.from(payload)
    ctx.res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) })
    ctx.res.end(body)

    return
  }
  sendJson(ctx.res, 201, payload)
}

export const jobRequestRoutes: Route[] = [
  { method: 'POST', pattern: /^\/api\/v4\/jobs\/request$/, endpoint: 'request', handler: requestJob },
]
