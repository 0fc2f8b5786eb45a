/**
 * Public shapes of the coordinator: start options, the job spec callers enqueue, faults,
 * and what it records about requests. The wire shapes of the payload itself live in
 * src/gitlab/job-payload.ts.
 */
import type { JobPayloadInput } from '../gitlab/job-payload.js'

export interface CoordinatorOptions {
  /** Address to listen on; loopback by default. */
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** Where artifacts and other files go; a temp dir (removed on close) when absent. */
  dataDir?: string
  /** Workhorse-style long polling of `jobs/request`; 0 (default) answers at once. */
  longPollSeconds?: number
  /** Value of `X-GitLab-Trace-Update-Interval` on PUT/PATCH answers; default 3. */
  traceUpdateIntervalSeconds?: number
  /** Largest artifact upload accepted; larger ones get 413. Unlimited when absent. */
  maxArtifactBytes?: number
  /** Answer artifact downloads with `direct_download=true` by a 302 to storage. */
  artifactsRedirect?: boolean
  /** Old GitLab: `runners/verify` answers 200 with the plain-text body `200`. */
  verifyPlainText?: boolean
  /** Traces growing past this are dropped with `trace_size_exceeded` and 403. */
  traceSizeLimitBytes?: number
  /**
   * Base URL written into job payloads (repo_url, CI_SERVER_URL, CI_API_V4_URL) when jobs
   * reach the server through another address than the one it listens on (containers going
   * through a forwarder). Default: the listening address.
   */
  publicUrl?: string
  /**
   * Two-phase commit: a handed-out job neither acknowledged nor kept alive for this long
   * fails with `runner_provisioning_timeout`. Default 120 000 (GitLab's 2 minutes).
   */
  ackTimeoutMs?: number
  /**
   * A running job with no PUT or PATCH for this long fails with `stuck_or_timeout_failure`.
   * Default 3 600 000 (GitLab's 1 hour). Must exceed the runners' keep-alive interval.
   */
  staleJobTimeoutMs?: number
  /** A running job past its timeout plus this fails with `job_execution_timeout`; default 300 000. */
  jobTimeoutGraceMs?: number
}

export type RefType = 'branch' | 'tag'

/** A variable as the caller gives it; flags default to false (`public` to true). */
export interface VariableSpec {
  key: string
  value: string
  masked?: boolean
  file?: boolean
  raw?: boolean
  public?: boolean
}

type Wire = JobPayloadInput
type ElementOf<T> = T extends ReadonlyArray<infer E> ? E : never
export type ImageInput = NonNullable<Wire['image']>
export type ArtifactInput = ElementOf<NonNullable<Wire['artifacts']>>
export type CacheInput = ElementOf<NonNullable<Wire['cache']>>
export type StepInput = ElementOf<NonNullable<Wire['steps']>>
export type HookInput = ElementOf<NonNullable<Wire['hooks']>>

/**
 * What to run. Only `project` is required; everything else has GitLab's defaults.
 * The payload is built when a runner picks the job, because some of it (runner id,
 * tags, description) depends on the runner.
 */
export interface JobSpec {
  /** Project id or full path, as registered with `addProject`. */
  project: number | string
  /** Branch or tag name; default `main`. */
  ref?: string
  /** Default `branch`. */
  refType?: RefType
  /** Commit to build; default: `ref` resolved with `git rev-parse` in the project repo. */
  sha?: string
  /** Default 40 zeros. */
  beforeSha?: string
  /** Default: a new id per enqueued job; give the same id to jobs of one pipeline. */
  pipelineId?: number
  /** Default `test`. */
  name?: string
  /** Default `test`. */
  stage?: string
  /** Explicit steps; when given, `script`/`beforeScript`/`afterScript` are ignored. */
  steps?: StepInput[]
  /** Joined after `beforeScript` into one `script` step, as GitLab does. */
  script?: string[]
  beforeScript?: string[]
  /** Sent as a separate `after_script` step with `when: always`, `allow_failure: true`. */
  afterScript?: string[]
  /** User variables, after the predefined ones (later entries win). */
  variables?: VariableSpec[]
  /** A name or a full image object. */
  image?: string | ImageInput
  services?: Array<string | ImageInput>
  artifacts?: ArtifactInput[]
  cache?: CacheInput[]
  /** Ids of earlier jobs whose artifacts this job downloads. */
  dependencies?: number[]
  /** Job timeout in seconds; default 3600 (capped by the runner's maximum timeout). */
  timeoutSeconds?: number
  /** Git depth; default 20. 0 = full clone (and wider refspecs). */
  depth?: number
  /** Runner tags this job needs; a runner must have all of them. */
  tags?: string[]
  hooks?: HookInput[]
  /** Default true. */
  allowGitFetch?: boolean
  /** Merged over the default `features` object (trace_sections, failure_reasons...). */
  features?: Record<string, unknown>
  /** Default true for branches, false for tags. */
  protected?: boolean
  credentials?: NonNullable<Wire['credentials']>
  secrets?: Record<string, unknown>
  /** Hand this out instead of the built payload (a string is sent verbatim, not as JSON). */
  rawPayload?: unknown
  /** Rewrites the built payload before it is sent (for malformed-payload tests). */
  payloadPatch?: (payload: Record<string, unknown>) => unknown
}

export interface EnqueuedJob {
  id: number
  token: string
}

/** GitLab's job states, plus `pending` while it waits for a runner (or its ack). */
export type JobState = 'pending' | 'running' | 'canceling' | 'success' | 'failed' | 'canceled'

export const FINAL_JOB_STATES: readonly JobState[] = ['success', 'failed', 'canceled']

export interface JobUpdateRecord {
  /** The parsed JSON body (or the raw text when it was not JSON). */
  body: unknown
  /** The state field sent, '' when absent. */
  state: string
  /** The status the coordinator answered with. */
  status: number
  time: number
}

export interface ArtifactRecord {
  artifactType: string
  artifactFormat: string
  expireIn: string | undefined
  filename: string
  /** Where the uploaded file is stored on disk. */
  path: string
  size: number
  /** Unguessable key of its storage URL (`/_storage/artifacts/<key>`), used by redirect mode. */
  storageKey: string
}

export type FaultEndpoint =
  | 'register'
  | 'verify'
  | 'unregister'
  | 'unregister_manager'
  | 'request'
  | 'update'
  | 'trace'
  | 'artifacts_upload'
  | 'artifacts_download'
  | 'artifacts_storage'
  | 'reset_token'
  | 'git'

export type FaultAction =
  | {
      status: number
      headers?: Record<string, string>
      body?: string
      /** Trace faults: shrink the stored trace to this length first (a server that lost data). */
      truncateTraceTo?: number
    }
  | { delayMs: number }
  | { drop: true }

/**
 * A scripted misbehaviour applied to the next matching requests before normal handling.
 * A 412 on `update` also clears the job's stored trace, as a resend from byte 0 requires.
 */
export interface Fault {
  endpoint: FaultEndpoint
  /** How many matching requests it applies to; default 1. */
  times?: number
  /** Only requests for this job (path id). */
  jobId?: number
  /** `update` only: match only final updates (state success/failed). */
  onlyFinal?: boolean
  action: FaultAction
}

export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, string>
  /** Lower-case names, as Node gives them. */
  headers: Record<string, string>
  /** Parsed JSON when the body is JSON, else the raw bytes; undefined for streamed uploads. */
  body: unknown
  /** Byte count of the request body (also for streamed uploads). */
  bodyBytes: number
  /** Which resource it hit; undefined for unknown paths. */
  endpoint: FaultEndpoint | 'discovery' | 'unknown' | undefined
  time: number
  /** The status answered; undefined while in flight or when the socket was dropped. */
  status: number | undefined
  /** True when a fault destroyed the socket without answering. */
  dropped: boolean
}

export interface RunnerManagerRecord {
  systemId: string
  /** The `info` object of the latest request that carried one. */
  info: Record<string, unknown> | undefined
  firstContactAt: number
  lastContactAt: number
}

export interface RunnerRecord {
  id: number
  token: string
  tokenObtainedAt: number
  tokenExpiresAt: string | null
  description: string
  tags: string[]
  runUntagged: boolean
  paused: boolean
  locked: boolean
  accessLevel: string
  maximumTimeout: number | undefined
  /** Registration token it was registered with; undefined for runners made by createRunner. */
  registrationToken: string | undefined
  /** Keyed by system_id; `<legacy>` for requests without one. */
  managers: Map<string, RunnerManagerRecord>
  /** The `info` sent with legacy registration. */
  registrationInfo: Record<string, unknown> | undefined
}

export interface ProjectRecord {
  id: number
  path: string
  name: string
  namespace: string
  repoDir: string
  /** Absolute git dir of the repository (the repo itself when bare). */
  gitDir: string
  cloneUrl: string
  defaultBranch: string
  /** Other projects whose job tokens may clone this one or read its artifacts. */
  jobTokenAllowlist: number[]
}

export interface CreateRunnerOptions {
  /** Default: a fresh `glrt-` token. */
  token?: string
  tags?: string[]
  /** Default true. */
  runUntagged?: boolean
  /** ISO-8601 expiry; null (default) = never. An expired token gets 403. */
  tokenExpiresAt?: string | null
  paused?: boolean
  description?: string
  /** Caps `runner_info.timeout` of the jobs it picks. */
  maximumTimeoutSeconds?: number
}

export interface AddProjectOptions {
  /** `group/sub/project`. */
  path: string
  /** An existing git repository on disk, bare or not. */
  repoDir: string
  /** Projects (id or path) whose job tokens may also clone this one and read its artifacts. */
  jobTokenAllowlist?: Array<number | string>
}

export interface WaitForJobOptions {
  /** Default: the final states success, failed, canceled. */
  states?: string[]
  /** Default 30 000. */
  timeoutMs?: number
}
