/**
 * The shapes the pipeline compiler produces: a plan of stages and concrete jobs, ready for the
 * scheduler (scheduler.ts) and the job runner. Everything here is plain data.
 */

/** Facts about the checkout that GitLab would know about the pipeline's commit. */
export interface GitContext {
  /** Full SHA of the pipeline commit. */
  sha: string
  /** CI_COMMIT_BEFORE_SHA: 40 zeros for a first push, a tag, or a web/API run. */
  beforeSha: string
  /** Branch of a branch pipeline; undefined in tag pipelines. */
  branch: string | undefined
  /** Tag of a tag pipeline; undefined in branch pipelines. */
  tag: string | undefined
  /** Annotation message of an annotated tag. */
  tagMessage: string | undefined
  /** Raw commit message (one trailing newline kept, as GitLab stores it). */
  message: string
  /** `Name <email>` of the commit author. */
  author: string
  /** Committer time, ISO 8601 with offset. */
  timestamp: string
  defaultBranch: string
  /** `namespace/project`, from the origin remote or `local/<dir name>`. */
  projectPath: string
  /** `https://gitlab.com` unless the origin remote names another host. */
  serverUrl: string
  userName: string
  userEmail: string
  /** CI_COMMIT_REF_PROTECTED. */
  protectedRef: boolean
}

export interface CompileError {
  /** File the problem is in, relative to the project directory. */
  file: string
  line?: number
  /** Key path in GitLab's style, e.g. `jobs:build:artifacts`. */
  key?: string
  message: string
}

export type CompileResult =
  | { ok: true; pipeline: PipelinePlan; warnings: string[] }
  | { ok: false; errors: CompileError[]; warnings: string[] }

export interface CompileOptions {
  /** A git work tree. */
  projectDir: string
  /** Path of the CI file relative to projectDir; default `.gitlab-ci.yml`. */
  ciFile?: string
  /** Text to compile instead of reading ciFile (a child pipeline's generated root). */
  ciContent?: string
  /** Pipeline variables (`--variable KEY=VALUE`): the highest precedence. */
  variables?: Record<string, string>
  /** Values for the root file's `spec:inputs`. */
  inputs?: Record<string, unknown>
  /** CI_PIPELINE_SOURCE, default `push`. */
  source?: string
  /** Overrides of the facts derived from the checkout (tests, `--tag`, `--before`...). */
  git?: Partial<GitContext>
  /**
   * Offline stand-ins for includes that would need the network. Keys: a remote URL,
   * `<project>:<file>` or `<project>` (a directory), `template:<Name>`, a component
   * address (with or without `@version`), or `artifact:<job>:<path>` (child pipelines). Values: paths, relative to projectDir when relative.
   */
  includeMappings?: Record<string, string>
  /** CI_PIPELINE_ID / CI_PIPELINE_IID; default 1 (the caller keeps the counter). */
  pipelineId?: number
  pipelineIid?: number
  /** CI_PIPELINE_CREATED_AT; default now. */
  createdAt?: Date
}

/** One variable as the runner receives it; `raw` means "do not expand" (`expand: false`). */
export interface PlanVariable {
  key: string
  value: string
  raw: boolean
}

export type JobWhen = 'on_success' | 'on_failure' | 'always' | 'manual' | 'delayed'
export type AllowFailure = boolean | { exitCodes: number[] }

export interface PlanImage {
  name: string
  entrypoint?: string[]
  pullPolicy?: string[]
  docker?: { platform?: string; user?: string }
}

export interface PlanService extends PlanImage {
  /** Aliases: the explicit one, else those derived from the image name. */
  aliases: string[]
  command?: string[]
  variables: PlanVariable[]
}

export interface PlanArtifacts {
  paths: string[]
  exclude: string[]
  untracked: boolean
  when: 'on_success' | 'on_failure' | 'always'
  expireIn?: string
  name?: string
  exposeAs?: string
  /** Report type (`dotenv`, `junit`, ...) to its file paths. */
  reports: Record<string, string[]>
}

export interface PlanCache {
  /** Unexpanded key (the runner expands variables); `key:files` is already computed. */
  key: string
  fallbackKeys: string[]
  paths: string[]
  untracked: boolean
  policy: 'pull-push' | 'pull' | 'push'
  when: 'on_success' | 'on_failure' | 'always'
  unprotect: boolean
}

export interface PlanNeed {
  /** Concrete job name (a parallel base name is expanded into every instance). */
  job: string
  artifacts: boolean
  optional: boolean
}

/** A need on a job of another pipeline (`needs:pipeline` / `needs:project`). */
export interface PlanCrossNeed {
  job: string
  pipeline?: string
  project?: string
  ref?: string
  artifacts: boolean
}

export interface PlanRetry {
  max: number
  when: string[]
  exitCodes: number[]
}

export interface PlanEnvironment {
  name: string
  url?: string
  action?: string
  onStop?: string
  autoStopIn?: string
  deploymentTier?: string
}

export interface PlanTriggerInclude {
  local?: string
  artifact?: string
  job?: string
  project?: string
  file?: string
  ref?: string
  remote?: string
  template?: string
  inputs?: Record<string, unknown>
}

export interface PlanTrigger {
  /** Child pipeline configuration (`trigger:include`). */
  include: PlanTriggerInclude[]
  /** Multi-project trigger target. */
  project?: string
  branch?: string
  strategy?: 'depend'
  forward: { yamlVariables: boolean; pipelineVariables: boolean }
}

/** The rule that put the job into the pipeline. */
export interface MatchedRule {
  /** 0-based position in the flattened `rules` list. */
  index: number
  rule: Record<string, unknown>
}

export interface PlanJob {
  /** Concrete name (`test 1/3`, `build: [linux, amd64]`). */
  name: string
  /** Name as written in the YAML, before parallel expansion. */
  baseName: string
  stage: string
  script: string[]
  beforeScript: string[]
  afterScript: string[]
  /**
   * Every variable the job gets at compile time, highest precedence applied, unexpanded:
   * predefined < global (per inherit) < workflow rule < job < matrix < rule < pipeline.
   * Dotenv variables are added at run time (see scheduler `jobVariables`).
   */
  variables: PlanVariable[]
  /** The job's own YAML `variables:` (after extends), for display. */
  yamlVariables: Record<string, string>
  image?: PlanImage
  services: PlanService[]
  artifacts?: PlanArtifacts
  cache: PlanCache[]
  /** undefined: no `needs` (stage ordering); [] : `needs: []`. */
  needs?: PlanNeed[]
  crossNeeds: PlanCrossNeed[]
  /** undefined: default (all earlier stages); otherwise concrete job names. */
  dependencies?: string[]
  when: JobWhen
  startIn?: string
  allowFailure: AllowFailure
  retry: PlanRetry
  /** Seconds, when `timeout:` is set. */
  timeoutSeconds?: number
  interruptible: boolean
  tags: string[]
  environment?: PlanEnvironment
  resourceGroup?: string
  coverage?: string
  trigger?: PlanTrigger
  /** 1-based index for parallel jobs, undefined otherwise. */
  nodeIndex?: number
  nodeTotal: number
  /** Matrix variables of this instance, in key order. */
  matrix?: Record<string, string>
  rule?: MatchedRule
}

export interface PipelinePlan {
  /** Stages in execution order, `.pre` first and `.post` last, empty stages removed. */
  stages: string[]
  /** Jobs ordered by stage, then by definition order. */
  jobs: PlanJob[]
  /** Pipeline-level predefined variables (CI_COMMIT_*, CI_PROJECT_*, CI_PIPELINE_*...). */
  predefinedVariables: PlanVariable[]
  /** The user's pipeline variables, kept so dotenv values can be layered beneath them. */
  pipelineVariables: PlanVariable[]
  /** `workflow:name`, expanded. */
  name?: string
  /** Top-level `variables:` as written in the merged configuration (hash forms kept), for `--preview`. */
  yamlVariables?: Record<string, unknown>
  /** `workflow:` as written in the merged configuration, for `--preview`. */
  workflow?: Record<string, unknown>
  autoCancelOnJobFailure: 'none' | 'all'
  git: GitContext
}
