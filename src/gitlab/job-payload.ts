/**
 * The job payload GitLab hands out on `POST /api/v4/jobs/request` (201), as a schema.
 * Parsing fills in the empty values GitLab uses for absent fields and ignores unknown
 * fields; a field of the wrong type is reported with its path so the job can fail with a
 * clear message instead of crashing the runner.
 *
 * Shared by the runner (which parses what it receives) and the coordinator (which builds
 * payloads), so both sides agree on one shape.
 */
import { z } from 'zod'

const str = z.string()
const optStr = z.string().nullish().transform((value) => value ?? '')
const optBool = z.boolean().nullish().transform((value) => value ?? false)
const strList = z.array(z.string()).nullish().transform((value) => value ?? [])

export const jobVariableSchema = z.object({
  key: str,
  value: z.string().nullish().transform((value) => value ?? ''),
  public: optBool,
  masked: optBool,
  file: optBool,
  raw: optBool,
})

const portSchema = z.object({
  number: z.number().int(),
  protocol: optStr,
  name: optStr,
})

const executorOptsSchema = z.record(z.string(), z.unknown()).nullish().transform((value) => value ?? {})

export const imageSchema = z.object({
  name: optStr,
  alias: optStr,
  command: strList,
  entrypoint: strList,
  ports: z.array(portSchema).nullish().transform((value) => value ?? []),
  variables: z.array(jobVariableSchema).nullish().transform((value) => value ?? []),
  pull_policy: strList,
  executor_opts: executorOptsSchema,
})

export const jobStepSchema = z.object({
  name: str,
  script: strList,
  timeout: z.number().nullish().transform((value) => value ?? 0),
  when: z.enum(['on_success', 'on_failure', 'always', '']).nullish().transform((value) => value || 'on_success'),
  allow_failure: optBool,
})

export const artifactSchema = z.object({
  name: optStr,
  untracked: optBool,
  paths: strList,
  exclude: strList,
  when: z.string().nullish().transform((value) => value || 'on_success'),
  artifact_type: z.string().nullish().transform((value) => value || 'archive'),
  artifact_format: z.string().nullish().transform((value) => value || 'zip'),
  expire_in: optStr,
})

export const cacheSchema = z.object({
  key: optStr,
  untracked: optBool,
  policy: z.string().nullish().transform((value) => value || 'pull-push'),
  paths: strList,
  when: z.string().nullish().transform((value) => value || 'on_success'),
  fallback_keys: strList,
})

export const dependencySchema = z.object({
  id: z.number().int(),
  name: optStr,
  token: optStr,
  artifacts_file: z
    .object({ filename: optStr, size: z.number().nullish().transform((value) => value ?? 0) })
    .nullish()
    .transform((value) => value ?? undefined),
})

export const jobPayloadSchema = z.object({
  id: z.number().int().positive(),
  token: z.string().min(1),
  allow_git_fetch: optBool,
  job_info: z
    .object({
      id: z.number().int().nullish(),
      name: optStr,
      stage: optStr,
      pipeline_id: z.number().int().nullish().transform((value) => value ?? 0),
      project_id: z.number().int().nullish().transform((value) => value ?? 0),
      project_name: optStr,
      project_full_path: optStr,
    })
    .nullish()
    .transform((value) => value ?? { name: '', stage: '', pipeline_id: 0, project_id: 0, project_name: '', project_full_path: '' }),
  git_info: z.object({
    repo_url: optStr,
    repo_object_format: optStr,
    ref: optStr,
    sha: optStr,
    before_sha: optStr,
    ref_type: optStr,
    refspecs: strList,
    depth: z.number().int().nullish().transform((value) => value ?? 0),
    protected: z.boolean().nullish().transform((value) => value ?? false),
  }),
  runner_info: z
    .object({
      timeout: z.number().nullish().transform((value) => value ?? 0),
      uuid: optStr,
      runner_session_url: z.string().nullish(),
    })
    .nullish()
    .transform((value) => value ?? { timeout: 0, uuid: '', runner_session_url: null }),
  variables: z.array(jobVariableSchema).nullish().transform((value) => value ?? []),
  steps: z.array(jobStepSchema).nullish().transform((value) => value ?? []),
  image: imageSchema.nullish().transform((value) => value ?? undefined),
  services: z.array(imageSchema).nullish().transform((value) => value ?? []),
  artifacts: z.array(artifactSchema).nullish().transform((value) => value ?? []),
  cache: z.array(cacheSchema).nullish().transform((value) => value ?? []),
  credentials: z
    .array(z.object({ type: optStr, url: optStr, username: optStr, password: optStr }))
    .nullish()
    .transform((value) => value ?? []),
  dependencies: z.array(dependencySchema).nullish().transform((value) => value ?? []),
  features: z
    .object({
      trace_sections: optBool,
      token_mask_prefixes: strList,
      failure_reasons: strList,
    })
    .nullish()
    .transform((value) => value ?? { trace_sections: false, token_mask_prefixes: [], failure_reasons: [] }),
  hooks: z
    .array(z.object({ name: str, script: strList }))
    .nullish()
    .transform((value) => value ?? []),
  run: z.string().nullish(),
  secrets: z.record(z.string(), z.unknown()).nullish(),
})

/** A parsed job payload with every optional field filled in. */
export type JobPayload = z.output<typeof jobPayloadSchema>
/** A payload as sent on the wire (what the coordinator builds). */
export type JobPayloadInput = z.input<typeof jobPayloadSchema>
export type JobVariable = z.output<typeof jobVariableSchema>
export type JobStep = z.output<typeof jobStepSchema>
export type ArtifactSpec = z.output<typeof artifactSchema>
export type CacheSpec = z.output<typeof cacheSchema>
export type DependencySpec = z.output<typeof dependencySchema>
export type ImageSpec = z.output<typeof imageSchema>

export type PayloadParseResult =
  | { ok: true; payload: JobPayload }
  | { ok: false; message: string; jobId: number | undefined; jobToken: string | undefined }

/**
 * Parses a payload received from GitLab. On failure the message lists each bad field as
 * `path: problem`, and the job id and token are recovered when present so the caller can
 * still fail that one job on the server.
 */
export function parseJobPayload(raw: unknown): PayloadParseResult {
  const result = jobPayloadSchema.safeParse(raw)
  if (result.success) return { ok: true, payload: result.data }

  const problems = result.error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {}

  return {
    ok: false,
    message: `invalid job payload: ${problems.join('; ')}`,
    jobId: typeof record.id === 'number' ? record.id : undefined,
    jobToken: typeof record.token === 'string' ? record.token : undefined,
  }
}
