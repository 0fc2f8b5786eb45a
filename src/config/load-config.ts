/**
 * Reads config.toml into GlobalConfig: parse (smol-toml), split known keys from the rest,
 * validate the known ones (config-schema.ts), fill defaults. Mistakes become a ConfigError
 * naming the file, the key and what was expected; unknown keys are warnings and are kept
 * in `extra` so a later save writes them back.
 */
import { constants } from 'node:fs'
import { access, readFile } from 'node:fs/promises'
import { parse, TomlError } from 'smol-toml'
import type { z } from 'zod'
import { ConfigError } from '../core/errors.js'
import { describeValue, formatKeyPath } from './config-paths.js'
import {
  globalSchema,
  globalShape,
  OFFICIAL_GLOBAL_KEYS,
  OFFICIAL_RUNNER_KEYS,
  runnerSchema,
  runnerShape,
} from './config-schema.js'
import { defaultGlobalConfig, defaultRunnerConfig, type GlobalConfig, type RunnerConfig } from './runner-config.js'

export interface LoadedConfig {
  config: GlobalConfig
  warnings: string[]
  /** False when the file did not exist and `config` is the empty default. */
  exists: boolean
}

export interface LoadConfigOptions {
  /** Fail with a ConfigError when the file is missing or has no `[[runners]]`. */
  requireRunners?: boolean
}

const MAX_REPORTED_ISSUES = 5

export async function loadConfig(path: string, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError(`reading config file ${path}`, {
        cause: err,
        hint: (err as NodeJS.ErrnoException).code === 'EISDIR' ? '--config must name a file (config.toml), not a folder.' : 'Check the path and its permissions.',
      })
    }
    if (options.requireRunners) {
      throw new ConfigError(`config file ${path} does not exist`, {
        hint: 'Register a runner first with `glrunner register`, or point --config at your config.toml.',
      })
    }

    return { config: defaultGlobalConfig(), warnings: [], exists: false }
  }

  const { config, warnings } = parseConfig(text, path)
  warnings.push(...(await unreadableTlsFiles(config.runners)))
  if (options.requireRunners && config.runners.length === 0) {
    throw new ConfigError(`no [[runners]] configured in ${path}`, {
      hint: 'Register a runner first with `glrunner register`.',
    })
  }

  return { config, warnings, exists: true }
}

/**
 * TLS files a runner names but cannot read: every request of that runner would fail, so
 * say it at load time rather than in an hour of "unhealthy" retries.
 */
async function unreadableTlsFiles(runners: readonly RunnerConfig[]): Promise<string[]> {
  const warnings: string[] = []
  for (const [index, runner] of runners.entries()) {
    for (const key of ['tls-ca-file', 'tls-cert-file', 'tls-key-file'] as const) {
      const file = runner[key]
      if (file === '') continue
      const problem = await access(file, constants.R_OK).then(() => undefined, (err: NodeJS.ErrnoException) => err.code ?? String(err))
      if (problem !== undefined) warnings.push(`runners[${index}].${key}: cannot read ${file} (${problem}); this runner's requests to GitLab will fail`)
    }
  }

  return warnings
}

/** Parses and validates config.toml text; `path` is only used in messages. */
export function parseConfig(text: string, path: string): { config: GlobalConfig; warnings: string[] } {
  const document = parseToml(text, path)
  const warnings: string[] = []
  const problems: string[] = []

  const { known, extra } = splitKeys(document, new Set([...Object.keys(globalShape), 'runners']), OFFICIAL_GLOBAL_KEYS, [], warnings)
  const globals = validate(globalSchema, known, [], problems)

  const rawRunners = known.runners ?? []
  if (!Array.isArray(rawRunners)) {
    problems.push(`runners: expected an array of tables ([[runners]]), got ${describeValue(rawRunners)}`)
  }

  const runners: RunnerConfig[] = []
  for (const [index, raw] of (Array.isArray(rawRunners) ? rawRunners : []).entries()) {
    const runner = loadRunner(raw, index, warnings, problems)
    if (runner) runners.push(runner)
    // Also for an entry whose types failed: every problem of the file in one report.
    checkRunnerValues(runner ?? namesOf(raw), index, warnings, problems)
  }

  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED_ISSUES)
    const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : ''

    throw new ConfigError(`invalid config file ${path}: ${shown.join('; ')}${more}`, {
      hint: 'Fix the value in the file; see the config.toml reference for each key.',
    })
  }

  const config = defaultGlobalConfig({ ...definedOnly(globals ?? {}), runners, extra })

  return { config, warnings }
}

function parseToml(text: string, path: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>
  } catch (err) {
    if (!(err instanceof TomlError)) throw new ConfigError(`parsing config file ${path}`, { cause: err })

    // smol-toml's message carries a code block after the first line; the position is enough.
    const reason = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '')

    throw new ConfigError(`invalid TOML in ${path} at line ${err.line}, column ${err.column}: ${reason}`, {
      hint: 'Fix the TOML syntax at that position.',
    })
  }
}

function loadRunner(raw: unknown, index: number, warnings: string[], problems: string[]): RunnerConfig | undefined {
  const prefix = ['runners', index]
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`${formatKeyPath(prefix)}: expected a table, got ${describeValue(raw)}`)

    return undefined
  }

  const { known, extra } = splitKeys(raw as Record<string, unknown>, new Set(Object.keys(runnerShape)), OFFICIAL_RUNNER_KEYS, prefix, warnings)
  const values = validate(runnerSchema, known, prefix, problems)
  if (!values) return undefined

  return defaultRunnerConfig({ ...(definedOnly(values) as Partial<RunnerConfig>), extra })
}

/** Known keys go to validation; official-but-unused and unknown ones to `extra`. */
function splitKeys(
  table: Record<string, unknown>,
  known: Set<string>,
  official: Set<string>,
  prefix: (string | number)[],
  warnings: string[],
): { known: Record<string, unknown>; extra: Record<string, unknown> } {
  const result = { known: {} as Record<string, unknown>, extra: {} as Record<string, unknown> }
  for (const [key, value] of Object.entries(table)) {
    if (known.has(key)) {
      result.known[key] = value
      continue
    }
    if (!official.has(key)) warnings.push(`unknown key ${formatKeyPath([...prefix, key])} — ignored`)
    result.extra[key] = value
  }

  return result
}

function validate<T extends z.ZodType>(
  schema: T,
  value: Record<string, unknown>,
  prefix: (string | number)[],
  problems: string[],
): z.output<T> | undefined {
  const result = schema.safeParse(value)
  if (result.success) return result.data

  for (const issue of result.error.issues) {
    const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol')
    const input = path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], value)
    problems.push(`${formatKeyPath([...prefix, ...path])}: expected ${issue.message}, got ${describeValue(input)}`)
  }

  return undefined
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>
}

/** Executors glrunner runs jobs with. */
const SUPPORTED_EXECUTORS = ['shell', 'docker', 'ssh', 'custom']
/** The official runner's other executors: kept in the file, but their runners take no jobs here. */
const OFFICIAL_ONLY_EXECUTORS = ['kubernetes', 'docker+machine', 'docker-autoscaler', 'docker-windows', 'instance', 'virtualbox', 'parallels']
const SHELLS = ['bash', 'sh', 'pwsh', 'powershell']

type CheckedNames = Partial<Pick<RunnerConfig, 'url' | 'shell' | 'executor'>>

/** The string values of an entry that failed validation, for checkRunnerValues. */
function namesOf(raw: unknown): CheckedNames {
  const table = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const names: CheckedNames = {}
  for (const name of ['url', 'shell', 'executor'] as const) {
    const value = table[name]
    if (typeof value === 'string') names[name] = value
  }

  return names
}

/** Checks of values a schema cannot express: URLs, executor and shell names. */
function checkRunnerValues(runner: CheckedNames, index: number, warnings: string[], problems: string[]): void {
  const key = (name: string) => `runners[${index}].${name}`
  if (runner.url === '') {
    warnings.push(`${key('url')}: missing; this runner cannot take jobs until it has the GitLab URL`)
  } else if (runner.url !== undefined && !isHttpUrl(runner.url)) {
    problems.push(`${key('url')}: expected an http:// or https:// URL, got ${describeValue(runner.url)}`)
  }
  if (runner.shell !== undefined && runner.shell !== '' && !SHELLS.includes(runner.shell)) {
    problems.push(`${key('shell')}: expected one of ${SHELLS.join(', ')}, got ${describeValue(runner.shell)}`)
  }
  if (runner.executor === undefined) return
  if (OFFICIAL_ONLY_EXECUTORS.includes(runner.executor)) {
    warnings.push(`${key('executor')}: the ${runner.executor} executor is not supported by glrunner yet; this runner will not take jobs`)
  } else if (!SUPPORTED_EXECUTORS.includes(runner.executor)) {
    problems.push(`${key('executor')}: expected one of ${SUPPORTED_EXECUTORS.join(', ')}, got ${describeValue(runner.executor)}`)
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value)

    return protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}
