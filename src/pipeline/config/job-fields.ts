/** Turns validated job keys into the plan's normalized shapes (spec §14–§16). */
import { createHash } from 'node:crypto'
import { git } from '../git-context.js'
import type {
  AllowFailure,
  PlanArtifacts,
  PlanCache,
  PlanEnvironment,
  PlanImage,
  PlanRetry,
  PlanService,
  PlanTrigger,
  PlanTriggerInclude,
} from '../types.js'
import { hasOwn, isPlainObject } from '../util/objects.js'
import { DEFAULT_KEYS } from './validate-job.js'
import { parseDurationSeconds, variableIsRaw, variableValue } from './validate-common.js'

/** Adds `default:` keys the job does not define itself, honouring `inherit:default`. */
export function applyDefaults(job: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  const inherit = isPlainObject(job.inherit) ? job.inherit.default : undefined
  const allowed = inherit === false ? [] : Array.isArray(inherit) ? (inherit as string[]) : DEFAULT_KEYS
  const result: Record<string, unknown> = { ...job }
  for (const key of allowed) {
    if (!hasOwn(job, key) && defaults[key] !== undefined) result[key] = defaults[key]
  }

  return result
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value]

  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

export function toImage(value: unknown): PlanImage | undefined {
  if (typeof value === 'string') return { name: value }
  if (!isPlainObject(value) || typeof value.name !== 'string') return undefined
  const image: PlanImage = { name: value.name }
  if (value.entrypoint !== undefined) image.entrypoint = strings(value.entrypoint)
  if (value.pull_policy !== undefined) image.pullPolicy = strings(value.pull_policy)
  if (isPlainObject(value.docker)) {
    image.docker = {}
    if (typeof value.docker.platform === 'string') image.docker.platform = value.docker.platform
    if (typeof value.docker.user === 'string') image.docker.user = value.docker.user
  }

  return image
}

/** Aliases GitLab derives from a service image: `group/img:1` gives `group__img`, `group-img`. */
export function serviceAliases(name: string): string[] {
  const withoutTag = name.replace(/@.*$/, '').replace(/:[^:/]*$/, '')
  const withoutHost = withoutTag.includes('/') && /[.:]|^localhost$/.test(withoutTag.split('/')[0] ?? '') ? withoutTag.split('/').slice(1).join('/') : withoutTag

  return [...new Set([withoutHost.replace(/\//g, '__'), withoutHost.replace(/\//g, '-')])]
}

export function toServices(value: unknown): PlanService[] {
  if (!Array.isArray(value)) return []

  return value.flatMap((item): PlanService[] => {
    const image = toImage(item)
    if (image === undefined) return []
    const hash = isPlainObject(item) ? item : {}
    const aliases = typeof hash.alias === 'string' ? hash.alias.split(',').map((alias) => alias.trim()) : serviceAliases(image.name)
    const service: PlanService = { ...image, aliases, variables: [] }
    if (hash.command !== undefined) service.command = strings(hash.command)
    if (isPlainObject(hash.variables)) {
      service.variables = Object.entries(hash.variables).map(([key, item]) => ({ key, value: variableValue(item), raw: variableIsRaw(item) }))
    }

    return [service]
  })
}

export function toArtifacts(value: unknown): PlanArtifacts | undefined {
  if (!isPlainObject(value)) return undefined
  const reports: Record<string, string[]> = {}
  if (isPlainObject(value.reports)) {
    for (const [type, paths] of Object.entries(value.reports)) {
      reports[type] = isPlainObject(paths) ? strings(paths.path ?? paths.paths) : strings(paths)
    }
  }
  const artifacts: PlanArtifacts = {
    paths: strings(value.paths),
    exclude: strings(value.exclude),
    untracked: value.untracked === true,
    when: (value.when as PlanArtifacts['when'] | undefined) ?? 'on_success',
    reports,
  }
  if (value.expire_in !== undefined && value.expire_in !== null) artifacts.expireIn = String(value.expire_in)
  if (typeof value.name === 'string') artifacts.name = value.name
  if (typeof value.expose_as === 'string') artifacts.exposeAs = value.expose_as

  return artifacts
}

/** Cache entries; `key:files` becomes `<prefix>-<sha1 of the files' last commits>`. */
export async function toCaches(value: unknown, projectDir: string, sha: string): Promise<PlanCache[]> {
  if (value === undefined || value === null) return []
  const list = Array.isArray(value) ? value : [value]
  const caches: PlanCache[] = []
  for (const item of list) {
    if (!isPlainObject(item)) continue
    caches.push({
      key: await cacheKey(item.key, projectDir, sha),
      fallbackKeys: strings(item.fallback_keys),
      paths: strings(item.paths),
      untracked: item.untracked === true,
      policy: (item.policy as PlanCache['policy'] | undefined) ?? 'pull-push',
      when: (item.when as PlanCache['when'] | undefined) ?? 'on_success',
      unprotect: item.unprotect === true,
    })
  }

  return caches
}

async function cacheKey(key: unknown, projectDir: string, sha: string): Promise<string> {
  if (key === undefined || key === null) return 'default'
  if (!isPlainObject(key)) return String(key)

  const ids: string[] = []
  for (const file of strings(key.files)) {
    const id = (await git(projectDir, ['log', '-1', '--format=%H', sha, '--', file]))?.trim()
    if (id !== undefined && id !== '') ids.push(id)
  }
  const digest = ids.length === 0 ? 'default' : createHash('sha1').update(ids.join('_')).digest('hex')
  const prefix = typeof key.prefix === 'string' && key.prefix !== '' ? key.prefix : undefined

  return prefix === undefined ? digest : `${prefix}-${digest}`
}

export function toAllowFailure(value: unknown, jobWhen: unknown): AllowFailure {
  if (typeof value === 'boolean') return value
  if (isPlainObject(value)) {
    const codes = value.exit_codes

    return { exitCodes: (Array.isArray(codes) ? codes : [codes]).filter((code): code is number => Number.isInteger(code)) }
  }

  return jobWhen === 'manual'
}

export function toRetry(value: unknown): PlanRetry {
  if (typeof value === 'number') return { max: value, when: ['always'], exitCodes: [] }
  if (!isPlainObject(value)) return { max: 0, when: ['always'], exitCodes: [] }
  const codes = value.exit_codes

  return {
    max: typeof value.max === 'number' ? value.max : 0,
    when: value.when === undefined ? ['always'] : strings(value.when),
    exitCodes: (Array.isArray(codes) ? codes : codes === undefined ? [] : [codes]).filter((code): code is number => Number.isInteger(code)),
  }
}

export function toTimeoutSeconds(value: unknown): number | undefined {
  return value === undefined ? undefined : parseDurationSeconds(value)
}

export function toEnvironment(value: unknown, expand: (text: string) => string): PlanEnvironment | undefined {
  if (typeof value === 'string') return { name: expand(value) }
  if (!isPlainObject(value) || typeof value.name !== 'string') return undefined
  const env: PlanEnvironment = { name: expand(value.name) }
  if (typeof value.url === 'string') env.url = expand(value.url)
  if (typeof value.action === 'string') env.action = value.action
  if (typeof value.on_stop === 'string') env.onStop = value.on_stop
  if (value.auto_stop_in !== undefined) env.autoStopIn = String(value.auto_stop_in)
  if (typeof value.deployment_tier === 'string') env.deploymentTier = value.deployment_tier

  return env
}

export function toTrigger(value: unknown, expand: (text: string) => string): PlanTrigger | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return { include: [], project: expand(value), forward: { yamlVariables: true, pipelineVariables: false } }
  if (!isPlainObject(value)) return undefined
  const includes = value.include === undefined ? [] : Array.isArray(value.include) ? value.include : [value.include]
  const forward = isPlainObject(value.forward) ? value.forward : {}
  const trigger: PlanTrigger = {
    include: includes.map((item): PlanTriggerInclude => (typeof item === 'string' ? { local: item } : triggerInclude(item))),
    forward: {
      yamlVariables: forward.yaml_variables !== false,
      pipelineVariables: forward.pipeline_variables === true,
    },
  }
  if (typeof value.project === 'string') trigger.project = expand(value.project)
  if (typeof value.branch === 'string') trigger.branch = expand(value.branch)
  if (value.strategy === 'depend') trigger.strategy = 'depend'

  return trigger
}

function triggerInclude(item: unknown): PlanTriggerInclude {
  if (!isPlainObject(item)) return {}
  const include: PlanTriggerInclude = {}
  for (const key of ['local', 'artifact', 'job', 'project', 'file', 'ref', 'remote', 'template'] as const) {
    if (typeof item[key] === 'string') include[key] = item[key]
  }
  if (isPlainObject(item.inputs)) include.inputs = item.inputs

  return include
}
