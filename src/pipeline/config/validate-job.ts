/** Structural validation of one visible job (spec §2.3, §16, §17.2). */
import { isPlainObject } from '../util/objects.js'
import {
  checkRules,
  checkScript,
  checkVariables,
  isAllowFailure,
  isStringArray,
  JOB_RULE_KEYS,
  JOB_WHEN,
  checkDuration,
  type Problems,
  RULE_WHEN,
  START_IN_LIMIT_SECONDS,
  TIMEOUT_LIMIT_SECONDS,
} from './validate-common.js'

export const JOB_KEYS = [
  'after_script', 'allow_failure', 'artifacts', 'before_script', 'cache', 'coverage', 'dast_configuration',
  'dependencies', 'environment', 'extends', 'hooks', 'id_tokens', 'identity', 'image', 'inherit',
  'interruptible', 'manual_confirmation', 'needs', 'pages', 'parallel', 'release', 'resource_group',
  'retry', 'rules', 'script', 'run', 'secrets', 'services', 'stage', 'start_in', 'tags', 'timeout',
  'trigger', 'variables', 'when', 'only', 'except', 'type',
]
const BRIDGE_EXCLUDED = ['script', 'before_script', 'after_script', 'run', 'image', 'services', 'cache', 'retry', 'timeout', 'artifacts', 'coverage']
export const DEFAULT_KEYS = ['after_script', 'artifacts', 'before_script', 'cache', 'hooks', 'id_tokens', 'image', 'interruptible', 'retry', 'services', 'tags', 'timeout']
const IMAGE_KEYS = ['name', 'entrypoint', 'pull_policy', 'docker', 'kubernetes']
const SERVICE_KEYS = ['name', 'alias', 'entrypoint', 'command', 'variables', 'pull_policy', 'docker', 'kubernetes']
const ARTIFACT_KEYS = ['paths', 'exclude', 'untracked', 'when', 'expire_in', 'name', 'expose_as', 'public', 'access', 'reports']
const CACHE_KEYS = ['key', 'paths', 'untracked', 'policy', 'when', 'unprotect', 'fallback_keys']
const RETRY_WHEN = [
  'always', 'unknown_failure', 'script_failure', 'api_failure', 'stuck_or_timeout_failure', 'runner_system_failure',
  'runner_unsupported', 'stale_schedule', 'job_execution_timeout', 'archived_failure', 'unmet_prerequisites',
  'scheduler_failure', 'data_integrity_failure',
]

/** Whether GitLab would see a job (not merely an unmatched top-level key). */
export function isJobHash(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && (value.script !== undefined || value.trigger !== undefined || value.run !== undefined)
}

/**
 * GitLab's order for one job: the job entry's own validations (Processable's, then Job's, in
 * declaration order), then its nested entries in the order the Job class declares them.
 */
const JOB_LEVEL_ORDER = [
  'name is too long', 'config key may not be used with', 'extends', 'rules config', 'resource group',
  'config contains unknown keys', "script can't be blank", 'when should be', 'dependencies should', 'allow failure',
  'start in should be', 'start in should not', 'start in must',
]
const ENTRY_ORDER = [
  'stage', 'only', 'except', 'rules', 'variables', 'inherit', 'before_script', 'script', 'type', 'after_script', 'cache',
  'image', 'services', 'interruptible', 'timeout', 'retry', 'tags', 'artifacts', 'needs', 'environment', 'coverage',
  'release', 'parallel', 'allow_failure', 'trigger',
]

function jobProblemRank(at: string, key: string, message: string): number {
  if (key === at) {
    const rest = message.startsWith(`${at} `) ? message.slice(at.length + 1) : message
    const own = JOB_LEVEL_ORDER.findIndex((prefix) => rest.startsWith(prefix))
    if (own >= 0) return own
    // Messages about a nested entry that are reported with the job's key (`tags should be …`).
    const entry = ENTRY_ORDER.indexOf(rest.split(' ')[0] ?? '')

    return entry >= 0 ? 100 + entry : 99
  }
  const entry = ENTRY_ORDER.indexOf(key.slice(at.length + 1).split(':')[0] ?? '')

  return entry >= 0 ? 100 + entry : 199
}

export function validateJob(name: string, job: Record<string, unknown>, problems: Problems): void {
  const at = `jobs:${name}`
  const found: Array<{ key: string; message: string; rank: number }> = []
  checkJob(name, job, { add: (key, message) => found.push({ key, message, rank: jobProblemRank(at, key, message) }) })
  // Array#sort is stable: messages of one rank keep the order they were found in.
  for (const problem of found.sort((a, b) => a.rank - b.rank)) problems.add(problem.key, problem.message)
}

function checkJob(name: string, job: Record<string, unknown>, problems: Problems): void {
  const at = `jobs:${name}`
  if (name.length > 255) problems.add(at, `${at} name is too long (maximum is 255 characters)`)

  const bridge = job.trigger !== undefined
  const allowed = bridge ? JOB_KEYS.filter((key) => !BRIDGE_EXCLUDED.includes(key)) : JOB_KEYS
  const unknown = Object.keys(job).filter((key) => !allowed.includes(key))
  if (unknown.length > 0) problems.add(at, `${at} config contains unknown keys: ${unknown.join(', ')}`)

  for (const key of ['script', 'before_script', 'after_script']) {
    if (job[key] !== undefined && !(bridge && key === 'script')) checkScript(at, name, key, job[key], problems)
  }

  const stage = job.stage ?? job.type
  if (stage !== undefined && typeof stage !== 'string') problems.add(`${at}:stage`, `${at}:stage config should be a string`)
  if (job.when !== undefined && (typeof job.when !== 'string' || !JOB_WHEN.includes(job.when))) {
    problems.add(at, `${at} when should be one of: ${JOB_WHEN.join(', ')}`)
  }

  checkRulesAndStartIn(at, job, problems)
  if (job.allow_failure !== undefined && !isAllowFailure(job.allow_failure)) {
    problems.add(at, `${at} allow failure should be a hash or a boolean value`)
  }

  checkVariables(`${at}:variables`, job.variables, false, problems)
  checkParallel(at, job.parallel, problems)
  checkRetry(at, job.retry, problems)
  checkImage(`${at}:image`, job.image, problems)
  checkServices(`${at}:services`, job.services, problems)
  checkArtifacts(`${at}:artifacts`, job.artifacts, problems)
  checkCache(`${at}:cache`, job.cache, problems)
  checkNeeds(at, job.needs, problems)
  checkSimple(at, job, problems)
}

function checkRulesAndStartIn(at: string, job: Record<string, unknown>, problems: Problems): void {
  if (job.rules !== undefined && job.rules !== null) {
    // One message naming every present key, in the job's key order (GitLab ignores nil values).
    const present = Object.keys(job).filter((key) => ['only', 'except', 'start_in'].includes(key) && job[key] !== null && job[key] !== undefined)
    if (present.length > 0) problems.add(at, `${at} config key may not be used with \`rules\`: ${present.join(', ')}`)
    if (job.when === 'delayed') checkDuration(at, 'start in', job.start_in, START_IN_LIMIT_SECONDS, problems)
    // The Job entry's absence check applies whenever the job has rules.
    if (job.start_in !== undefined && job.start_in !== null) problems.add(at, `${at} start in must be blank`)
    checkRules(at, job.rules, { keys: JOB_RULE_KEYS, when: RULE_WHEN }, problems)

    return
  }

  // Job: a delayed job's start_in must be a duration of at most a week (a missing one fails
  // both checks, as in GitLab); any other job must not have one.
  if (job.when === 'delayed') checkDuration(at, 'start in', job.start_in, START_IN_LIMIT_SECONDS, problems)
  else if (job.start_in !== undefined && job.start_in !== null) problems.add(at, `${at} start in must be blank`)
}

function checkParallel(at: string, value: unknown, problems: Problems): void {
  if (value === undefined || value === null) return
  const where = `${at}:parallel`
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) problems.add(where, `${where} should be an integer or a hash`)
    else if (value > 200) problems.add(where, `${where} config must be less than or equal to 200`)
    else if (value < 1) problems.add(where, `${where} config must be greater than or equal to 1`)

    return
  }

  if (!isPlainObject(value) || Object.keys(value).some((key) => key !== 'matrix')) {
    problems.add(where, `${where} should be an integer or a hash`)

    return
  }

  const matrix = value.matrix
  const okEntry = (entry: unknown): boolean =>
    isPlainObject(entry) &&
    Object.keys(entry).length > 0 &&
    Object.values(entry).every(
      (item) => typeof item === 'string' || typeof item === 'number' || (Array.isArray(item) && item.every((v) => typeof v === 'string' || typeof v === 'number')),
    )
  if (!Array.isArray(matrix) || matrix.length === 0 || !matrix.every(okEntry)) {
    problems.add(`${where}:matrix`, `${where}:matrix config should be an array of hashes`)

    return
  }

  const total = matrix.reduce<number>((sum, entry) => {
    const sizes = Object.values(entry as Record<string, unknown>).map((item) => (Array.isArray(item) ? item.length : 1))

    return sum + sizes.reduce((product, size) => product * size, 1)
  }, 0)
  if (total > 200) problems.add(`${where}:matrix`, `${where}:matrix config generates too many jobs (maximum is 200)`)
}

function checkRetry(at: string, value: unknown, problems: Problems): void {
  if (value === undefined || value === null) return
  const where = `${at}:retry`
  const checkMax = (max: unknown): void => {
    if (!Number.isInteger(max)) problems.add(where, `${where} max config has to be an integer`)
    else if ((max as number) > 2) problems.add(where, `${where} max config must be less than or equal to 2`)
    else if ((max as number) < 0) problems.add(where, `${where} max config must be greater than or equal to 0`)
  }
  if (typeof value === 'number') return checkMax(value)
  if (!isPlainObject(value)) {
    problems.add(where, `${where} config has to be either an integer or a hash`)

    return
  }

  const bad = Object.keys(value).filter((key) => !['max', 'when', 'exit_codes'].includes(key))
  if (bad.length > 0) problems.add(where, `${where} config contains unknown keys: ${bad.join(', ')}`)
  if (value.max !== undefined) checkMax(value.max)
  const when = typeof value.when === 'string' ? [value.when] : value.when
  if (when !== undefined && (!isStringArray(when) || when.some((item) => !RETRY_WHEN.includes(item)))) {
    problems.add(where, `${where} when unknown value: ${String(value.when)}`)
  }
}

export function checkImage(where: string, value: unknown, problems: Problems): void {
  if (value === undefined || value === null || typeof value === 'string') return
  if (!isPlainObject(value)) {
    problems.add(where, `${where} config should be a hash or a string`)

    return
  }

  const bad = Object.keys(value).filter((key) => !IMAGE_KEYS.includes(key))
  if (bad.length > 0) problems.add(where, `${where} config contains unknown keys: ${bad.join(', ')}`)
  if (typeof value.name !== 'string') problems.add(where, `${where} name can't be blank`)
}

export function checkServices(where: string, value: unknown, problems: Problems): void {
  if (value === undefined || value === null) return
  if (!Array.isArray(value)) {
    problems.add(where, `${where} config should be a array`)

    return
  }

  for (const service of value) {
    if (typeof service === 'string') continue
    if (!isPlainObject(service)) {
      problems.add(`${where}:service`, `${where}:service config should be a hash or a string`)
      continue
    }
    const bad = Object.keys(service).filter((key) => !SERVICE_KEYS.includes(key))
    if (bad.length > 0) problems.add(`${where}:service`, `${where}:service config contains unknown keys: ${bad.join(', ')}`)
  }
}

export function checkArtifacts(where: string, value: unknown, problems: Problems): void {
  if (value === undefined || value === null) return
  if (!isPlainObject(value)) {
    problems.add(where, `${where} config should be a hash`)

    return
  }

  const bad = Object.keys(value).filter((key) => !ARTIFACT_KEYS.includes(key))
  if (bad.length > 0) problems.add(where, `${where} config contains unknown keys: ${bad.join(', ')}`)
  if (value.when !== undefined && !['on_success', 'on_failure', 'always'].includes(String(value.when))) {
    problems.add(where, `${where} when should be on_success, on_failure or always`)
  }
  for (const key of ['paths', 'exclude']) {
    if (value[key] !== undefined && !isStringArray(value[key])) problems.add(where, `${where} ${key} should be an array of strings`)
  }
}

export function checkCache(where: string, value: unknown, problems: Problems): void {
  if (value === undefined || value === null) return
  const list = Array.isArray(value) ? value : [value]
  if (list.length > 4) problems.add(where, `${where} config no more than 4 caches can be created`)
  for (const cache of list) {
    if (!isPlainObject(cache)) {
      problems.add(where, `${where} config should be a hash`)
      continue
    }
    const bad = Object.keys(cache).filter((key) => !CACHE_KEYS.includes(key))
    if (bad.length > 0) problems.add(where, `${where} config contains unknown keys: ${bad.join(', ')}`)
    if (cache.policy !== undefined && !['pull-push', 'pull', 'push'].includes(String(cache.policy)) && !String(cache.policy).includes('$')) {
      problems.add(`${where}:policy`, `${where}:policy config should be a variable or one of: pull-push, push, pull`)
    }
    const key = cache.key
    if (typeof key === 'string' && (key.includes('/') || key === '.' || key === '..' || /%2f|%2e/i.test(key))) {
      problems.add(`${where}:key`, `${where}:key config cannot contain the "/" character or be "." or ".."`)
    }
    if (isPlainObject(key) && (!isStringArray(key.files) || key.files.length === 0 || key.files.length > 2)) {
      problems.add(`${where}:key:files`, `${where}:key:files config has too many items (maximum is 2)`)
    }
  }
}

function checkNeeds(at: string, value: unknown, problems: Problems): void {
  if (value === undefined || value === null) return
  const where = `${at}:needs`
  if (!Array.isArray(value)) {
    problems.add(where, `${where} config can only be a hash or an array`)

    return
  }

  for (const need of value) {
    if (typeof need === 'string') continue
    if (!isPlainObject(need) || (typeof need.job !== 'string' && need.pipeline === undefined)) {
      problems.add(`${where}:need`, `${where}:need config must define a job`)
      continue
    }
    const bad = Object.keys(need).filter((key) => !['job', 'artifacts', 'optional', 'parallel', 'pipeline', 'project', 'ref'].includes(key))
    if (bad.length > 0) problems.add(`${where}:need`, `${where}:need config contains unknown keys: ${bad.join(', ')}`)
  }
}

/** Entry::Timeout: its own node, so the messages are about `<where> config`. */
export function checkTimeout(where: string, value: unknown, problems: Problems): void {
  checkDuration(where, 'config', value, TIMEOUT_LIMIT_SECONDS, problems)
}

function checkSimple(at: string, job: Record<string, unknown>, problems: Problems): void {
  if (job.tags !== undefined && job.tags !== null && !isStringArray(job.tags)) problems.add(at, `${at} tags should be an array of strings`)
  if (job.dependencies !== undefined && !isStringArray(job.dependencies)) problems.add(at, `${at} dependencies should be an array of strings`)
  if (job.interruptible !== undefined && typeof job.interruptible !== 'boolean') {
    problems.add(at, `${at} interruptible config should be a boolean value`)
  }
  if (job.timeout !== undefined && job.timeout !== null) checkTimeout(`${at}:timeout`, job.timeout, problems)
  if (job.environment !== undefined && typeof job.environment !== 'string' && !isPlainObject(job.environment)) {
    problems.add(`${at}:environment`, `${at}:environment config should be a hash or a string`)
  }
  if (job.resource_group !== undefined && typeof job.resource_group !== 'string') {
    problems.add(at, `${at} resource group should be a string`)
  }
  if (job.trigger !== undefined && typeof job.trigger !== 'string' && !isPlainObject(job.trigger)) {
    problems.add(`${at}:trigger`, `${at}:trigger config should be a hash or a string`)
  }
  const inherit = job.inherit
  if (inherit !== undefined) checkInherit(at, inherit, problems)
}

function checkInherit(at: string, inherit: unknown, problems: Problems): void {
  if (!isPlainObject(inherit)) {
    problems.add(`${at}:inherit`, `${at}:inherit config should be a hash`)

    return
  }

  const bad = Object.keys(inherit).filter((key) => key !== 'default' && key !== 'variables')
  if (bad.length > 0) problems.add(`${at}:inherit`, `${at}:inherit config contains unknown keys: ${bad.join(', ')}`)
  const defaults = inherit.default
  if (Array.isArray(defaults)) {
    const unknown = defaults.filter((key) => typeof key !== 'string' || !DEFAULT_KEYS.includes(key))
    if (unknown.length > 0) problems.add(`${at}:inherit:default`, `inherit default config contains unknown values: ${unknown.join(', ')}`)
  } else if (defaults !== undefined && typeof defaults !== 'boolean') {
    problems.add(`${at}:inherit:default`, `${at}:inherit:default config should be a boolean or an array of strings`)
  }
  const variables = inherit.variables
  if (variables !== undefined && typeof variables !== 'boolean' && !isStringArray(variables)) {
    problems.add(`${at}:inherit:variables`, `${at}:inherit:variables config should be a boolean or an array of strings`)
  }
}
