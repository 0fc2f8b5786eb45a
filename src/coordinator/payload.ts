/**
 * Builds the `jobs/request` 201 payload from a job spec, with every field real GitLab
 * emits, so runners meet the same shape here as in production.
 */
import type { CoordinatorState } from './state.js'
import type { JobRecord } from './job-record.js'
import { predefinedVariables } from './predefined-variables.js'
import type { ImageInput, JobSpec, ProjectRecord, RunnerRecord, StepInput } from './types.js'

/** Failure reasons GitLab lists in `features.failure_reasons` (Ci::Build failure reasons). */
export const GITLAB_FAILURE_REASONS = [
  'unknown_failure', 'script_failure', 'api_failure', 'stuck_or_timeout_failure',
  'runner_system_failure', 'missing_dependency_failure', 'runner_unsupported', 'stale_schedule',
  'job_execution_timeout', 'archived_failure', 'unmet_prerequisites', 'scheduler_failure',
  'data_integrity_failure', 'forward_deployment_failure', 'user_blocked', 'project_deleted',
  'ci_quota_exceeded', 'pipeline_loop_detected', 'no_matching_runner', 'trace_size_exceeded',
  'builds_disabled', 'environment_creation_failure', 'deployment_rejected',
  'failed_outdated_deployment_job', 'protected_environment_failure',
  'insufficient_bridge_permissions', 'downstream_bridge_project_not_found',
  'invalid_bridge_trigger', 'upstream_bridge_project_not_found',
  'insufficient_upstream_permissions', 'bridge_pipeline_is_child_pipeline',
  'downstream_pipeline_creation_failed', 'secrets_provider_not_found',
  'reached_max_descendant_pipelines_depth', 'ip_restriction_failure',
  'reached_max_pipeline_hierarchy_size', 'reached_downstream_pipeline_trigger_rate_limit',
  'job_token_expired',
] as const

export const DEFAULT_JOB_TIMEOUT_SECONDS = 3600
export const DEFAULT_GIT_DEPTH = 20

export interface PayloadContext {
  state: CoordinatorState
  serverUrl: URL
  job: JobRecord
  project: ProjectRecord
  runner: RunnerRecord
  /** The `session.url` the runner sent with its request, if any. */
  sessionUrl: string | null
}

/** `http://gitlab-ci-token:<job token>@host:port/<path>.git` */
export function repoUrlFor(serverUrl: URL, projectPath: string, jobToken: string): string {
  const url = new URL(`/${projectPath}.git`, serverUrl)
  url.username = 'gitlab-ci-token'
  url.password = jobToken

  return url.toString()
}

/** GitLab's refspecs: the persistent pipeline ref, then the ref itself or, for full clones, all. */
export function refspecsFor(job: JobRecord, ref: string, refType: 'branch' | 'tag', depth: number): string[] {
  const specs = [`+${job.sha}:refs/pipelines/${job.pipelineId}`]
  if (depth === 0) return [...specs, '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*']
  if (refType === 'tag') return [...specs, `+refs/tags/${ref}:refs/tags/${ref}`]

  return [...specs, `+refs/heads/${ref}:refs/remotes/origin/${ref}`]
}

function image(input: string | ImageInput): Record<string, unknown> {
  const base = typeof input === 'string' ? { name: input } : input

  return { entrypoint: null, ports: [], pull_policy: null, executor_opts: {}, ...base }
}

function service(input: string | ImageInput): Record<string, unknown> {
  return { alias: null, command: null, variables: [], ...image(input) }
}

/** GitLab sends before_script + script as one step and after_script as its own. */
function steps(job: JobRecord, timeoutSeconds: number): StepInput[] {
  const spec = job.spec
  if (spec.steps !== undefined) return spec.steps

  const result: StepInput[] = [
    {
      name: 'script',
      script: [...(spec.beforeScript ?? []), ...(spec.script ?? [])],
      timeout: timeoutSeconds,
      when: 'on_success',
      allow_failure: false,
    },
  ]
  if (spec.afterScript !== undefined && spec.afterScript.length > 0) {
    result.push({ name: 'after_script', script: spec.afterScript, timeout: timeoutSeconds, when: 'always', allow_failure: true })
  }

  return result
}

function dependencies(state: CoordinatorState, job: JobRecord): Array<Record<string, unknown>> {
  return (job.spec.dependencies ?? []).map((depId) => {
    const dep = state.jobs.get(depId)
    const archive = dep?.artifacts.find((artifact) => artifact.artifactType === 'archive')

    return {
      id: depId,
      name: dep?.name ?? '',
      // Newer GitLab sends the running job's own token here.
      token: job.token,
      ...(archive === undefined ? {} : { artifacts_file: { filename: archive.filename, size: archive.size } }),
    }
  })
}

/** The job's timeout as GitLab computes it: its own (default 1 h), capped by the runner's maximum. */
export function jobTimeoutSeconds(spec: JobSpec, runner: RunnerRecord): number {
  const jobTimeout = spec.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS

  return runner.maximumTimeout === undefined ? jobTimeout : Math.min(jobTimeout, runner.maximumTimeout)
}

export function buildPayload(ctx: PayloadContext): Record<string, unknown> {
  const { job, project, runner, serverUrl } = ctx
  const spec = job.spec
  const ref = spec.ref ?? project.defaultBranch
  const refType = spec.refType ?? 'branch'
  const depth = spec.depth ?? DEFAULT_GIT_DEPTH
  const isProtected = spec.protected ?? refType === 'branch'
  const timeoutSeconds = jobTimeoutSeconds(spec, runner)
  const repoUrl = repoUrlFor(serverUrl, project.path, job.token)
  const variables = [
    ...predefinedVariables({ serverUrl, job, project, runner, ref, refType, isProtected, repoUrl, timeoutSeconds }),
    ...(spec.variables ?? []).map((v) => ({ public: false, masked: false, ...v })),
  ]
  const queued = ctx.state.jobs.size

  return {
    id: job.id,
    token: job.token,
    allow_git_fetch: spec.allowGitFetch ?? true,
    job_info: {
      id: job.id,
      name: job.name,
      stage: spec.stage ?? 'test',
      pipeline_id: job.pipelineId,
      project_id: project.id,
      project_name: project.name,
      project_full_path: project.path,
      namespace_id: project.id + 1000,
      root_namespace_id: project.id + 1000,
      organization_id: 1,
      instance_id: '1',
      instance_uuid: '00000000-0000-4000-8000-000000000001',
      user_id: 1,
      scoped_user_id: null,
      time_in_queue_seconds: ((job.pickedAt ?? Date.now()) - job.enqueuedAt) / 1000,
      project_jobs_running_on_instance_runners_count: '+Inf',
      queue_size: queued,
      queue_depth: 1,
    },
    git_info: {
      repo_url: repoUrl,
      repo_object_format: 'sha1',
      ref,
      sha: job.sha,
      before_sha: spec.beforeSha ?? '0'.repeat(40),
      ref_type: refType,
      refspecs: refspecsFor(job, ref, refType, depth),
      depth,
      protected: isProtected,
    },
    runner_info: { uuid: '', timeout: timeoutSeconds, runner_session_url: ctx.sessionUrl },
    inputs: [],
    variables,
    steps: steps(job, timeoutSeconds),
    image: spec.image === undefined ? null : image(spec.image),
    services: (spec.services ?? []).map(service),
    artifacts: spec.artifacts ?? [],
    cache: spec.cache ?? [],
    credentials: spec.credentials ?? [],
    dependencies: dependencies(ctx.state, job),
    features: {
      trace_sections: true,
      token_mask_prefixes: ['glpat-', 'glcbt-', 'glrt-'],
      failure_reasons: [...GITLAB_FAILURE_REASONS],
      ...(spec.features ?? {}),
    },
    ...(spec.secrets === undefined ? {} : { secrets: spec.secrets }),
    ...(spec.hooks === undefined || spec.hooks.length === 0 ? {} : { hooks: spec.hooks }),
    policy_options: { execution_policy_job: false, policy_name: '' },
    suspend_options: {},
  }
}
