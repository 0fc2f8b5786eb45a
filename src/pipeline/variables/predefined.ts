/** Predefined variables (spec §8): pipeline-level ones and the per-job ones. */
import type { GitContext, PlanVariable } from '../types.js'
import { slugify } from './slug.js'

export interface PipelineFacts {
  git: GitContext
  source: string
  ciFile: string
  pipelineId: number
  pipelineIid: number
  createdAt: Date
}

function entry(key: string, value: string): PlanVariable {
  return { key, value, raw: true }
}

function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`
}

/** Variables known before the pipeline exists: usable in include and workflow rules. */
export function prePipelineVariables(facts: PipelineFacts): PlanVariable[] {
  const { git } = facts
  const refName = git.tag ?? git.branch ?? ''
  const title = git.message.split('\n')[0] ?? ''
  const breakAt = git.message.indexOf('\n')
  const rest = breakAt === -1 ? '' : git.message.slice(breakAt + 1).replace(/\n$/, '')
  const description = title.length < 100 ? rest : git.message
  const server = new URL(git.serverUrl)
  const port = server.port !== '' ? server.port : server.protocol === 'http:' ? '80' : '443'
  const segments = git.projectPath.split('/')
  const projectName = segments[segments.length - 1] ?? ''
  const login = git.userEmail.split('@')[0] ?? ''

  const list: PlanVariable[] = [
    entry('CI', 'true'),
    entry('GITLAB_CI', 'true'),
    entry('GLRUNNER_LOCAL', 'true'),
    entry('CI_SERVER', 'yes'),
    entry('CI_SERVER_URL', git.serverUrl),
    entry('CI_SERVER_HOST', server.hostname),
    entry('CI_SERVER_PORT', port),
    entry('CI_SERVER_PROTOCOL', server.protocol.replace(':', '')),
    entry('CI_SERVER_FQDN', server.port === '' ? server.hostname : `${server.hostname}:${server.port}`),
    entry('CI_API_V4_URL', `${git.serverUrl}/api/v4`),
    entry('CI_PROJECT_PATH', git.projectPath),
    entry('CI_PROJECT_PATH_SLUG', slugify(git.projectPath)),
    entry('CI_PROJECT_NAME', projectName),
    entry('CI_PROJECT_NAMESPACE', segments.slice(0, -1).join('/')),
    entry('CI_PROJECT_ROOT_NAMESPACE', segments[0] ?? ''),
    entry('CI_PROJECT_URL', `${git.serverUrl}/${git.projectPath}`),
    entry('CI_PROJECT_TITLE', projectName),
    entry('CI_PROJECT_VISIBILITY', 'private'),
    entry('CI_DEFAULT_BRANCH', git.defaultBranch),
    entry('CI_CONFIG_PATH', facts.ciFile),
    entry('CI_PIPELINE_SOURCE', facts.source),
    entry('CI_COMMIT_SHA', git.sha),
    entry('CI_COMMIT_SHORT_SHA', git.sha.slice(0, 8)),
    entry('CI_COMMIT_BEFORE_SHA', git.beforeSha),
    entry('CI_COMMIT_REF_NAME', refName),
    entry('CI_COMMIT_REF_SLUG', slugify(refName)),
    entry('CI_COMMIT_REF_PROTECTED', String(git.protectedRef)),
    entry('CI_COMMIT_MESSAGE', git.message),
    entry('CI_COMMIT_TITLE', title),
    entry('CI_COMMIT_DESCRIPTION', description),
    entry('CI_COMMIT_AUTHOR', git.author),
    entry('CI_COMMIT_TIMESTAMP', git.timestamp),
    entry('GITLAB_USER_NAME', git.userName),
    entry('GITLAB_USER_EMAIL', git.userEmail),
    entry('GITLAB_USER_LOGIN', login),
    entry('GITLAB_USER_ID', '1'),
  ]
  if (git.branch !== undefined) list.push(entry('CI_COMMIT_BRANCH', git.branch))
  if (git.tag !== undefined) list.push(entry('CI_COMMIT_TAG', git.tag))
  if (git.tagMessage !== undefined) list.push(entry('CI_COMMIT_TAG_MESSAGE', git.tagMessage))

  return list
}

/** Adds what exists once the pipeline is created (job rules and jobs, not workflow rules). */
export function pipelineVariables(facts: PipelineFacts, pipelineName: string | undefined): PlanVariable[] {
  const url = `${facts.git.serverUrl}/${facts.git.projectPath}/-/pipelines/${facts.pipelineId}`
  const list = [
    entry('CI_PIPELINE_ID', String(facts.pipelineId)),
    entry('CI_PIPELINE_IID', String(facts.pipelineIid)),
    entry('CI_PIPELINE_URL', url),
    entry('CI_PIPELINE_CREATED_AT', isoSeconds(facts.createdAt)),
  ]
  if (pipelineName !== undefined) list.push(entry('CI_PIPELINE_NAME', pipelineName))

  return list
}

export interface JobFacts {
  name: string
  stage: string
  nodeIndex: number | undefined
  nodeTotal: number
  environment?: { name: string; url?: string; action?: string; deploymentTier?: string }
}

/** CI_JOB_NAME, CI_JOB_STAGE, CI_NODE_*, CI_ENVIRONMENT_*. */
export function jobPredefinedVariables(job: JobFacts): PlanVariable[] {
  const list = [
    entry('CI_JOB_NAME', job.name),
    entry('CI_JOB_NAME_SLUG', slugify(job.name)),
    entry('CI_JOB_STAGE', job.stage),
    entry('CI_NODE_TOTAL', String(job.nodeTotal)),
  ]
  if (job.nodeIndex !== undefined) list.push(entry('CI_NODE_INDEX', String(job.nodeIndex)))
  const env = job.environment
  if (env !== undefined) {
    list.push(entry('CI_ENVIRONMENT_NAME', env.name))
    list.push(entry('CI_ENVIRONMENT_SLUG', slugify(env.name, 24)))
    if (env.url !== undefined) list.push(entry('CI_ENVIRONMENT_URL', env.url))
    list.push(entry('CI_ENVIRONMENT_ACTION', env.action ?? 'start'))
    list.push(entry('CI_ENVIRONMENT_TIER', env.deploymentTier ?? guessTier(env.name)))
  }

  return list
}

// GitLab guesses the tier from the environment name when deployment_tier is not given.
function guessTier(name: string): string {
  if (/prod|^live/i.test(name)) return 'production'
  if (/stag|model|pre|demo/i.test(name)) return 'staging'
  if (/test|qa|^uat/i.test(name)) return 'testing'
  if (/dev|review|trunk/i.test(name)) return 'development'

  return 'other'
}
