/**
 * Turns a compiled pipeline job into the job the coordinator serves, so the runner
 * receives the payload GitLab would send for it: before_script and script as one step,
 * after_script as its own, artifacts and reports as separate upload entries, caches,
 * dependencies as the ids of earlier jobs of this run.
 */
import type { ArtifactInput, CacheInput, ImageInput, JobSpec, VariableSpec } from '../coordinator/index.js'
import type { PlanJob, PlanService, PlanVariable } from '../pipeline/index.js'

/**
 * Predefined variables whose local values the coordinator knows better than the compiler:
 * they point at the server that really serves this job (URLs, job id and token), not at
 * the GitLab the project's remote names.
 */
const SERVED_BY_COORDINATOR = /^(CI_SERVER_|CI_API_|CI_REPOSITORY_URL$|CI_JOB_(ID|URL|TOKEN|STARTED_AT)$|CI_REGISTRY_PASSWORD$|CI_DEPENDENCY_PROXY_|CI_PROJECT_URL$|CI_PIPELINE_URL$|CI_PROJECT_ID$|CI_RUNNER_)/

/** GitLab's upload format per report type: gzip for every report the runner uploads. */
const REPORT_FORMAT = 'gzip'

export interface JobSpecContext {
  projectPath: string
  ref: string
  refType: 'branch' | 'tag'
  sha: string
  beforeSha: string
  pipelineId: number
  /** Coordinator ids of the jobs whose artifacts this job downloads, in order. */
  dependencyIds: number[]
  /** Variables added at run time (dotenv reports of dependencies). */
  extraVariables: PlanVariable[]
}

function toVariableSpec(variable: PlanVariable): VariableSpec {
  return { key: variable.key, value: variable.value, raw: variable.raw, public: true }
}

function toImage(name: string, rest: { entrypoint?: string[]; pullPolicy?: string[] }): ImageInput {
  return {
    name,
    ...(rest.entrypoint ? { entrypoint: rest.entrypoint } : {}),
    ...(rest.pullPolicy ? { pull_policy: rest.pullPolicy } : {}),
  }
}

function toService(service: PlanService): ImageInput {
  return {
    ...toImage(service.name, service),
    ...(service.aliases.length > 0 ? { alias: service.aliases.join(',') } : {}),
    ...(service.command ? { command: service.command } : {}),
    variables: service.variables.map((variable) => ({ key: variable.key, value: variable.value, public: true, masked: false })),
  }
}

function toArtifacts(job: PlanJob): ArtifactInput[] {
  const artifacts = job.artifacts
  if (artifacts === undefined) return []

  const entries: ArtifactInput[] = []
  if (artifacts.paths.length > 0 || artifacts.untracked) {
    entries.push({
      name: artifacts.name ?? 'artifacts',
      paths: artifacts.paths,
      exclude: artifacts.exclude,
      untracked: artifacts.untracked,
      when: artifacts.when,
      artifact_type: 'archive',
      artifact_format: 'zip',
      expire_in: artifacts.expireIn ?? null,
    })
  }

  for (const [type, paths] of Object.entries(artifacts.reports)) {
    entries.push({
      name: type,
      paths,
      // GitLab uploads reports whatever the job's outcome, so later jobs and the UI see them.
      when: 'always',
      artifact_type: type,
      artifact_format: REPORT_FORMAT,
      expire_in: artifacts.expireIn ?? null,
    })
  }

  return entries
}

function toCache(job: PlanJob): CacheInput[] {
  return job.cache.map((cache) => ({
    key: cache.key,
    paths: cache.paths,
    untracked: cache.untracked,
    policy: cache.policy,
    when: cache.when,
    fallback_keys: cache.fallbackKeys,
  }))
}

export function planJobToJobSpec(job: PlanJob, context: JobSpecContext): JobSpec {
  const variables = [...job.variables, ...context.extraVariables]
    .filter((variable) => !SERVED_BY_COORDINATOR.test(variable.key))
    .map(toVariableSpec)

  return {
    project: context.projectPath,
    ref: context.ref,
    refType: context.refType,
    sha: context.sha,
    beforeSha: context.beforeSha,
    pipelineId: context.pipelineId,
    name: job.name,
    stage: job.stage,
    beforeScript: job.beforeScript,
    script: job.script,
    ...(job.afterScript.length > 0 ? { afterScript: job.afterScript } : {}),
    variables,
    ...(job.image ? { image: toImage(job.image.name, job.image) } : {}),
    services: job.services.map(toService),
    artifacts: toArtifacts(job),
    cache: toCache(job),
    dependencies: context.dependencyIds,
    ...(job.timeoutSeconds !== undefined ? { timeoutSeconds: job.timeoutSeconds } : {}),
    // A local clone is cheap and complete history keeps `git describe` and friends working.
    depth: 0,
  }
}
