/**
 * The predefined CI variables GitLab puts in a job payload. Runner-side variables
 * (CI_PROJECT_DIR, CI_BUILDS_DIR, CI_RUNNER_VERSION, CI_SERVER_TLS_CA_FILE...) are left out:
 * the runner adds those itself.
 */
import type { JobVariable } from '../gitlab/job-payload.js'
import type { CommitInfo } from './git-repo.js'
import type { JobRecord } from './job-record.js'
import type { ProjectRecord, RunnerRecord } from './types.js'

/** The GitLab version this server claims to be (CI_SERVER_VERSION). */
export const SERVER_VERSION = { major: 17, minor: 11, patch: 0, revision: 'glrunner' }

type PayloadVariable = Pick<JobVariable, 'key' | 'value' | 'public' | 'masked'> & { file?: boolean; raw?: boolean }

export interface PredefinedContext {
  serverUrl: URL
  job: JobRecord
  project: ProjectRecord
  runner: RunnerRecord
  ref: string
  refType: 'branch' | 'tag'
  isProtected: boolean
  repoUrl: string
  timeoutSeconds: number
}

/** GitLab's slug: lower case, runs of other characters become `-`, at most 63 characters. */
export function slugify(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '')
}

function pub(key: string, value: string | number | boolean): PayloadVariable {
  return { key, value: String(value), public: true, masked: false }
}

function commitVariables(ctx: PredefinedContext, commit: CommitInfo | undefined): PayloadVariable[] {
  const { job, ref, refType } = ctx
  const message = commit?.message ?? ''
  const [title = ''] = message.split('\n')
  const description = message.includes('\n') ? message.slice(message.indexOf('\n') + 1).replace(/^\n+/, '') : ''

  return [
    pub('CI_COMMIT_SHA', job.sha),
    pub('CI_COMMIT_SHORT_SHA', job.sha.slice(0, 8)),
    pub('CI_COMMIT_BEFORE_SHA', job.spec.beforeSha ?? '0'.repeat(40)),
    pub('CI_COMMIT_REF_NAME', ref),
    pub('CI_COMMIT_REF_SLUG', slugify(ref)),
    ...(refType === 'tag' ? [pub('CI_COMMIT_TAG', ref), pub('CI_COMMIT_TAG_MESSAGE', '')] : [pub('CI_COMMIT_BRANCH', ref)]),
    pub('CI_COMMIT_REF_PROTECTED', ctx.isProtected),
    pub('CI_COMMIT_MESSAGE', message),
    pub('CI_COMMIT_TITLE', title),
    pub('CI_COMMIT_DESCRIPTION', description),
    pub('CI_COMMIT_AUTHOR', commit === undefined ? '' : `${commit.authorName} <${commit.authorEmail}>`),
    pub('CI_COMMIT_TIMESTAMP', commit?.timestamp ?? ''),
  ]
}

function serverVariables(serverUrl: URL): PayloadVariable[] {
  const base = serverUrl.origin
  const protocol = serverUrl.protocol.replace(':', '')
  const port = serverUrl.port || (protocol === 'https' ? '443' : '80')
  const { major, minor, patch, revision } = SERVER_VERSION

  return [
    pub('CI_SERVER_URL', base),
    pub('CI_SERVER_HOST', serverUrl.hostname),
    pub('CI_SERVER_PORT', port),
    pub('CI_SERVER_PROTOCOL', protocol),
    pub('CI_SERVER_SHELL_SSH_HOST', serverUrl.hostname),
    pub('CI_SERVER_SHELL_SSH_PORT', 22),
    pub('CI_SERVER_FQDN', serverUrl.host),
    pub('CI_SERVER_NAME', 'GitLab'),
    pub('CI_SERVER_VERSION', `${major}.${minor}.${patch}`),
    pub('CI_SERVER_VERSION_MAJOR', major),
    pub('CI_SERVER_VERSION_MINOR', minor),
    pub('CI_SERVER_VERSION_PATCH', patch),
    pub('CI_SERVER_REVISION', revision),
    pub('GITLAB_FEATURES', ''),
    pub('CI_API_V4_URL', `${base}/api/v4`),
    pub('CI_API_GRAPHQL_URL', `${base}/api/graphql`),
  ]
}

/** The predefined variables, in GitLab's order (user variables come after and win). */
export function predefinedVariables(ctx: PredefinedContext): PayloadVariable[] {
  const { job, project, runner, serverUrl } = ctx
  const base = serverUrl.origin
  const projectUrl = `${base}/${project.path}`
  const jobName = job.name

  return [
    pub('CI_PIPELINE_ID', job.pipelineId),
    pub('CI_PIPELINE_URL', `${projectUrl}/-/pipelines/${job.pipelineId}`),
    pub('CI_JOB_ID', job.id),
    pub('CI_JOB_URL', `${projectUrl}/-/jobs/${job.id}`),
    { key: 'CI_JOB_TOKEN', value: job.token, public: false, masked: true },
    pub('CI_JOB_STARTED_AT', new Date(job.pickedAt ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')),
    { key: 'CI_REGISTRY_USER', value: 'gitlab-ci-token', public: true, masked: false },
    { key: 'CI_REGISTRY_PASSWORD', value: job.token, public: false, masked: true },
    { key: 'CI_REPOSITORY_URL', value: ctx.repoUrl, public: false, masked: false },
    { key: 'CI_DEPENDENCY_PROXY_USER', value: 'gitlab-ci-token', public: true, masked: false },
    { key: 'CI_DEPENDENCY_PROXY_PASSWORD', value: job.token, public: false, masked: true },
    pub('CI_JOB_NAME', jobName),
    pub('CI_JOB_NAME_SLUG', slugify(jobName)),
    pub('CI_JOB_STAGE', job.spec.stage ?? 'test'),
    pub('CI_NODE_TOTAL', 1),
    pub('CI_JOB_TIMEOUT', ctx.timeoutSeconds),
    pub('CI', true),
    pub('GITLAB_CI', true),
    ...serverVariables(serverUrl),
    pub('CI_PROJECT_ID', project.id),
    pub('CI_PROJECT_NAME', project.name),
    pub('CI_PROJECT_TITLE', project.name),
    pub('CI_PROJECT_DESCRIPTION', ''),
    pub('CI_PROJECT_PATH', project.path),
    pub('CI_PROJECT_PATH_SLUG', slugify(project.path)),
    pub('CI_PROJECT_NAMESPACE', project.namespace),
    pub('CI_PROJECT_NAMESPACE_SLUG', slugify(project.namespace)),
    pub('CI_PROJECT_NAMESPACE_ID', project.id + 1000),
    pub('CI_PROJECT_ROOT_NAMESPACE', project.namespace.split('/')[0] ?? ''),
    pub('CI_PROJECT_URL', projectUrl),
    pub('CI_PROJECT_VISIBILITY', 'private'),
    pub('CI_PROJECT_REPOSITORY_LANGUAGES', ''),
    pub('CI_PROJECT_CLASSIFICATION_LABEL', ''),
    pub('CI_DEFAULT_BRANCH', project.defaultBranch),
    pub('CI_CONFIG_PATH', '.gitlab-ci.yml'),
    pub('CI_PIPELINE_IID', job.pipelineId),
    pub('CI_PIPELINE_SOURCE', 'push'),
    pub('CI_PIPELINE_CREATED_AT', new Date(job.enqueuedAt).toISOString().replace(/\.\d{3}Z$/, 'Z')),
    ...commitVariables(ctx, job.commit),
    pub('CI_RUNNER_ID', runner.id),
    pub('CI_RUNNER_DESCRIPTION', runner.description),
    pub('CI_RUNNER_TAGS', JSON.stringify(runner.tags)),
    pub('GITLAB_USER_ID', 1),
    pub('GITLAB_USER_EMAIL', 'ci@example.com'),
    pub('GITLAB_USER_LOGIN', 'ci'),
    pub('GITLAB_USER_NAME', 'CI User'),
  ]
}
