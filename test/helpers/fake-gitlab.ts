/**
 * A small GitLab for manager tests, until the coordinator serves these cases: a job queue
 * behind `jobs/request` (with optional long-poll hold and X-GitLab-Last-Update), the
 * job update and trace endpoints with GitLab's append rule, and fault hooks per request.
 * Every request is recorded with its arrival time; in-flight job requests are counted.
 */
import type { ServerResponse } from 'node:http'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'
import { startScriptedServer, type RecordedRequest } from './scripted-server.js'

export interface FakeJob {
  payload: JobPayloadInput
  state: string
  trace: Buffer
  puts: Array<Record<string, unknown>>
  /** Job-Status sent on every answer for this job, when set (e.g. 'canceling'). */
  jobStatus?: string
}

export type Fault = (req: RecordedRequest, res: ServerResponse) => boolean

export interface FakeGitLab {
  url: string
  requests: RecordedRequest[]
  jobs: Map<number, FakeJob>
  /** Job requests currently being answered, and the most seen at once. */
  inflight: { now: number; max: number }
  /** Milliseconds a job request is held when no job is queued (0 = answer at once). */
  holdMs: number
  requestFault?: Fault
  putFault?: (job: FakeJob, body: Record<string, unknown>, res: ServerResponse) => boolean
  patchFault?: (job: FakeJob, req: RecordedRequest, res: ServerResponse) => boolean
  enqueue(payload: JobPayloadInput): FakeJob
  /** Resolves when `predicate` holds, polling every 10 ms; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>
  jobRequests(): RecordedRequest[]
  close(): Promise<void>
}

let nextJobId = 1000

/** A minimal valid payload the runner accepts. */
export function makePayload(overrides: Partial<JobPayloadInput> & { script?: string[]; variables?: JobPayloadInput['variables'] } = {}): JobPayloadInput {
  const id = overrides.id ?? nextJobId++
  const { script, ...rest } = overrides

  return {
    id,
    token: `glcbt-job-${id}-secret`,
    git_info: { repo_url: '', ref: 'main', sha: 'a'.repeat(40), before_sha: '0'.repeat(40), ref_type: 'branch', depth: 0 },
    runner_info: { timeout: 3600 },
    job_info: { name: `job ${id}`, stage: 'test', project_id: 42, project_name: 'widgets', project_full_path: 'acme/widgets', pipeline_id: 1 },
    steps: [{ name: 'script', script: script ?? ['echo hello'], timeout: 3600, when: 'on_success', allow_failure: false }],
    features: { trace_sections: true, failure_reasons: ['script_failure', 'runner_system_failure', 'job_execution_timeout'] },
    ...rest,
    variables: overrides.variables ?? [{ key: 'CI_JOB_ID', value: String(id), public: true, masked: false }],
  }
}

export async function startFakeGitLab(): Promise<FakeGitLab> {
  const queue: FakeJob[] = []
  const waiters = new Set<() => void>()
  let version = 1
  const fake = { jobs: new Map(), inflight: { now: 0, max: 0 }, holdMs: 0 } as unknown as FakeGitLab

  const server = await startScriptedServer(async (req, res) => {
    const path = req.url.split('?')[0] ?? ''
    if (path === '/api/v4/jobs/request') return handleRequest(req, res)
    const match = /^\/api\/v4\/jobs\/(\d+)(\/trace)?$/.exec(path)
    const job = match ? fake.jobs.get(Number(match[1])) : undefined
    if (!job) {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end('{"message":"404 Not Found"}')

      return
    }
    if (req.method === 'PUT') return handlePut(job, req, res)
    if (req.method === 'PATCH' && match?.[2]) return handlePatch(job, req, res)
    res.writeHead(405)
    res.end()
  })

  async function handleRequest(req: RecordedRequest, res: ServerResponse): Promise<void> {
    fake.inflight.now++
    fake.inflight.max = Math.max(fake.inflight.max, fake.inflight.now)
    try {
      if (fake.requestFault?.(req, res)) return
      const body = JSON.parse(req.body.toString()) as { last_update?: string }
      if (queue.length === 0 && fake.holdMs > 0 && body.last_update) {
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            clearTimeout(timer)
            waiters.delete(wake)
            resolve()
          }
          const timer = setTimeout(wake, fake.holdMs)
          waiters.add(wake)
          res.on('close', wake)
        })
        // Workhorse's own 204 carries no X-GitLab-Last-Update.
        res.writeHead(204)
        res.end()

        return
      }
      const job = queue.shift()
      if (!job) {
        res.writeHead(204, { 'x-gitlab-last-update': `v${version}` })
        res.end()

        return
      }
      version++
      job.state = 'pending'
      res.writeHead(201, { 'content-type': 'application/json' })
      res.end(JSON.stringify(job.payload))
    } finally {
      fake.inflight.now--
    }
  }

  function handlePut(job: FakeJob, req: RecordedRequest, res: ServerResponse): void {
    const body = JSON.parse(req.body.toString()) as Record<string, unknown>
    job.puts.push(body)
    if (fake.putFault?.(job, body, res)) return
    if (job.state === 'success' || job.state === 'failed' || job.state === 'canceled') {
      res.writeHead(403, { 'job-status': job.state })
      res.end()

      return
    }
    if (body.state === 'success' || body.state === 'failed') job.state = job.state === 'canceling' ? 'canceled' : String(body.state)
    else if (job.state === 'pending') job.state = 'running'
    res.writeHead(200, { 'job-status': job.jobStatus ?? job.state, 'x-gitlab-trace-update-interval': '1' })
    res.end('200')
  }

  function handlePatch(job: FakeJob, req: RecordedRequest, res: ServerResponse): void {
    if (fake.patchFault?.(job, req, res)) return
    const start = Number(String(req.headers['content-range'] ?? '').split('-')[0])
    const ok = start === job.trace.length
    if (ok) job.trace = Buffer.concat([job.trace, req.body])
    res.writeHead(ok ? 202 : 416, { range: `0-${job.trace.length}`, 'job-status': job.jobStatus ?? job.state })
    res.end()
  }

  return Object.assign(fake, server, {
    enqueue(payload: JobPayloadInput): FakeJob {
      const job: FakeJob = { payload, state: 'queued', trace: Buffer.alloc(0), puts: [] }
      fake.jobs.set(payload.id, job)
      queue.push(job)
      version++
      for (const wake of [...waiters]) wake()

      return job
    },
    async waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
      const deadline = Date.now() + timeoutMs
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    },
    jobRequests: () => server.requests.filter((req) => req.url === '/api/v4/jobs/request'),
  })
}
