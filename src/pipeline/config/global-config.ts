/**
 * Splits the resolved configuration into global parts and jobs and validates the global
 * parts (spec §2.1, §5, §7.1, §10, §12). Structural problems are collected, not thrown.
 */
import { isPlainObject } from '../util/objects.js'
import { checkArtifacts, checkCache, checkImage, checkServices, checkTimeout, DEFAULT_KEYS, isJobHash, validateJob } from './validate-job.js'
import { checkRules, checkScript, checkVariables, type Problems, variableIsRaw, variableValue, WORKFLOW_RULE_KEYS } from './validate-common.js'

export const GLOBAL_KEYS = ['default', 'include', 'stages', 'variables', 'workflow', 'image', 'services', 'cache', 'before_script', 'after_script', 'types']
const DEPRECATED_GLOBALS = ['image', 'services', 'cache', 'before_script', 'after_script']
const DEFAULT_STAGES = ['build', 'test', 'deploy']

export interface GlobalVariable {
  value: string
  raw: boolean
}

export interface GlobalConfig {
  /** Stages including `.pre` first and `.post` last. */
  stages: string[]
  variables: Map<string, GlobalVariable>
  defaults: Record<string, unknown>
  workflow: Record<string, unknown> | undefined
  /** Visible jobs, in definition order. */
  jobs: Array<[string, Record<string, unknown>]>
}

export function readGlobalConfig(config: Record<string, unknown>, problems: Problems): GlobalConfig {
  // Messages come in the order GitLab's lint lists them: the root entry's nodes in their
  // declaration order (default, the deprecated globals, variables, stages, workflow), then the
  // `jobs` node's own messages (unmatched keys, no visible job), then each job in definition
  // order. GitLab stops descending into a node that has errors of its own (an unmatched key
  // hides every job's errors, a job-level error hides that job's nested ones); glrunner lists
  // those hidden messages too, where GitLab would list them once the hiding error is fixed, so
  // GitLab's own list is always a subsequence of glrunner's, in the same order.
  const defaults = readDefaults(config, problems)
  checkVariables('variables', config.variables, true, problems)
  const stages = readStages(config, problems)
  const workflow = readWorkflow(config.workflow, problems)

  const jobs: Array<[string, Record<string, unknown>]> = []
  const unmatched: string[] = []
  for (const [name, value] of Object.entries(config)) {
    if (GLOBAL_KEYS.includes(name) || name.startsWith('.')) continue
    if (isJobHash(value)) jobs.push([name, value])
    else unmatched.push(name)
  }

  for (const name of unmatched) problems.add('jobs', `jobs ${name} config should implement the script:, run:, or trigger: keyword`)
  if (jobs.length === 0) problems.add('jobs', 'jobs config should contain at least one visible job')
  for (const [name, value] of jobs) validateJob(name, value, problems)

  const variables = new Map<string, GlobalVariable>()
  if (isPlainObject(config.variables)) {
    for (const [name, item] of Object.entries(config.variables)) {
      variables.set(name, { value: variableValue(item), raw: variableIsRaw(item) })
    }
  }

  return { stages, variables, defaults, workflow, jobs }
}

function readDefaults(config: Record<string, unknown>, problems: Problems): Record<string, unknown> {
  const raw = config.default
  const defaults: Record<string, unknown> = {}
  if (raw !== undefined && raw !== null && !isPlainObject(raw)) problems.add('default', 'default config should be a hash')
  if (isPlainObject(raw)) {
    const bad = Object.keys(raw).filter((key) => !DEFAULT_KEYS.includes(key))
    if (bad.length > 0) problems.add('default', `default config contains unknown keys: ${bad.join(', ')}`)
    Object.assign(defaults, raw)
  }

  for (const key of DEPRECATED_GLOBALS) {
    if (config[key] === undefined) continue
    if (isPlainObject(raw) && raw[key] !== undefined) {
      problems.add(key, `${key} is defined in top-level and \`default:\` entry`)
      continue
    }
    defaults[key] = config[key]
  }

  for (const key of ['before_script', 'after_script']) {
    if (defaults[key] !== undefined) checkScript('default', 'default', key, defaults[key], problems)
  }
  checkImage('default:image', defaults.image, problems)
  checkServices('default:services', defaults.services, problems)
  checkArtifacts('default:artifacts', defaults.artifacts, problems)
  checkCache('default:cache', defaults.cache, problems)
  if (defaults.timeout !== undefined && defaults.timeout !== null) checkTimeout('default:timeout', defaults.timeout, problems)

  return defaults
}

function readStages(config: Record<string, unknown>, problems: Problems): string[] {
  const raw = config.stages ?? config.types
  if (raw === undefined || raw === null) return ['.pre', ...DEFAULT_STAGES, '.post']
  const list = Array.isArray(raw) ? raw.flat(10) : undefined
  if (list === undefined || !list.every((item) => typeof item === 'string')) {
    problems.add('stages', 'stages config should be an array of strings')

    return ['.pre', ...DEFAULT_STAGES, '.post']
  }

  const unique = [...new Set(list as string[])].filter((stage) => stage !== '.pre' && stage !== '.post')

  return ['.pre', ...unique, '.post']
}

function readWorkflow(raw: unknown, problems: Problems): Record<string, unknown> | undefined {
  if (raw === undefined || raw === null) return undefined
  if (!isPlainObject(raw)) {
    problems.add('workflow', 'workflow config should be a hash')

    return undefined
  }

  const bad = Object.keys(raw).filter((key) => !['rules', 'name', 'auto_cancel'].includes(key))
  if (bad.length > 0) problems.add('workflow', `workflow config contains unknown keys: ${bad.join(', ')}`)
  if (raw.rules !== undefined && raw.rules !== null) checkRules('workflow', raw.rules, { keys: WORKFLOW_RULE_KEYS, when: ['always', 'never'] }, problems)
  if (raw.name !== undefined && typeof raw.name !== 'string') problems.add('workflow:name', 'workflow:name config should be a string')

  return raw
}
