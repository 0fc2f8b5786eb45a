/** Checks shared by job, default and global validation; messages in GitLab's lint wording. */
import { ExpressionSyntaxError, parseExpression } from '../rules/expression.js'
import { isPlainObject } from '../util/objects.js'

/** Collects messages; `at` is the key path the message is about (`jobs:build:script`). */
export interface Problems {
  add(key: string, message: string): void
}

export const JOB_WHEN = ['on_success', 'on_failure', 'always', 'manual', 'delayed']
export const RULE_WHEN = [...JOB_WHEN, 'never']
export const JOB_RULE_KEYS = ['if', 'changes', 'exists', 'when', 'start_in', 'allow_failure', 'variables', 'needs', 'interruptible']
export const WORKFLOW_RULE_KEYS = ['if', 'changes', 'exists', 'when', 'variables', 'auto_cancel', 'start_in', 'allow_failure', 'needs']

/** A string, or nested arrays of strings up to 10 levels. */
export function isScriptValue(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return true
  if (!Array.isArray(value) || depth >= 10) return false

  return value.every((item) => isScriptValue(item, depth + 1))
}

export function flattenScript(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (!Array.isArray(value)) return []

  return value.flatMap((item) => flattenScript(item))
}

export function checkScript(where: string, name: string, key: string, value: unknown, problems: Problems): void {
  if (!isScriptValue(value)) {
    problems.add(`${where}:${key}`, `${where}:${key} config should be a string or a nested array of strings up to 10 levels deep`)

    return
  }

  if (key === 'script' && flattenScript(value).length === 0) problems.add(where, `${where} script can't be blank`)
  if (key === 'script' && value === '') problems.add(where, `${where} script can't be blank`)
  void name
}

const GLOBAL_VARIABLE_KEYS = ['value', 'description', 'expand', 'options']
const JOB_VARIABLE_KEYS = ['value', 'expand']

/** `where` is `variables` (global) or `jobs:<job>:variables`. */
export function checkVariables(where: string, value: unknown, global: boolean, problems: Problems): void {
  if (value === null || value === undefined) return
  if (!isPlainObject(value)) {
    problems.add(where, `${where} config should be a hash of key value pairs`)

    return
  }

  for (const [name, item] of Object.entries(value)) {
    const at = `${where}:${name}`
    if (item === null || typeof item === 'string' || (typeof item === 'number' && Number.isInteger(item))) continue
    if (!isPlainObject(item)) {
      problems.add(at, `${at} variable definition must be either a string or a hash`)
      continue
    }

    const allowed = global ? GLOBAL_VARIABLE_KEYS : JOB_VARIABLE_KEYS
    const bad = Object.keys(item).filter((key) => !allowed.includes(key))
    if (bad.length > 0) {
      problems.add(at, `${at} config uses invalid data keys: ${bad.join(', ')}`)
      continue
    }

    const inner = item.value
    if (inner !== undefined && inner !== null && typeof inner !== 'string' && !(typeof inner === 'number' && Number.isInteger(inner))) {
      problems.add(at, `${at} variable definition must be either a string or a hash`)
    }
    if (item.expand !== undefined && typeof item.expand !== 'boolean') problems.add(at, `${at} config expand should be a boolean value`)
    if (item.options !== undefined) {
      const options = item.options
      if (!Array.isArray(options) || !options.every((option) => typeof option === 'string')) {
        problems.add(at, `${at} config options should be an array of strings`)
      } else if (!options.includes(variableValue(item))) {
        problems.add(at, `${at} config value must be present in options`)
      }
    }
  }
}

/** Value of one YAML variable entry (plain or hash form). */
export function variableValue(item: unknown): string {
  if (item === null || item === undefined) return ''
  if (isPlainObject(item)) return item.value === undefined || item.value === null ? '' : String(item.value)

  return String(item)
}

export function variableIsRaw(item: unknown): boolean {
  return isPlainObject(item) && item.expand === false
}

/** Rules are an array of hashes; nested arrays (from !reference) are flattened, 10 levels. */
export function flattenRules(value: unknown): unknown[] | undefined {
  if (!Array.isArray(value)) return undefined

  return value.flat(10)
}

export function checkIf(where: string, expression: unknown, problems: Problems): void {
  if (expression === undefined) return
  if (typeof expression !== 'string') {
    problems.add(where, `${where} if should be a string`)

    return
  }

  try {
    parseExpression(expression)
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error
    problems.add(where, `${where} if invalid expression syntax`)
  }
}

export function checkRules(
  where: string,
  value: unknown,
  options: { keys: string[]; when: string[] },
  problems: Problems,
): void {
  const rules = flattenRules(value)
  if (rules === undefined) {
    problems.add(`${where}:rules`, `${where}:rules config should be an array of hashes`)

    return
  }

  if (rules.length === 0) problems.add(`${where}:rules`, `${where}:rules config can't be blank`)
  for (const rule of rules) {
    const at = `${where}:rules:rule`
    if (!isPlainObject(rule)) {
      problems.add(at, `${at} config should be a hash`)
      continue
    }

    const bad = Object.keys(rule).filter((key) => !options.keys.includes(key))
    if (bad.length > 0) problems.add(at, `${at} config contains unknown keys: ${bad.join(', ')}`)
    if (rule.when !== undefined && (typeof rule.when !== 'string' || !options.when.includes(rule.when))) {
      problems.add(at, `${at} when unknown value: ${String(rule.when)}`)
    }
    checkIf(at, rule.if, problems)
    if (rule.variables !== undefined) checkVariables(`${at}:variables`, rule.variables, false, problems)
    // Rules::Rule: `start_in` is a disallowed key unless the rule is delayed; a delayed rule
    // needs it present and a duration of at most a week.
    if (rule.when === 'delayed') {
      if (rule.start_in === undefined || rule.start_in === null || rule.start_in === '') problems.add(at, `${at} start in can't be blank`)
      checkDuration(at, 'start in', rule.start_in, START_IN_LIMIT_SECONDS, problems)
    } else if (rule.start_in !== undefined && rule.start_in !== null) {
      problems.add(at, `${at} config contains disallowed keys: start_in`)
    }
    if (rule.allow_failure !== undefined && !isAllowFailure(rule.allow_failure)) {
      problems.add(at, `${at} allow failure should be a hash or a boolean value`)
    }
  }
}

export function isAllowFailure(value: unknown): boolean {
  if (typeof value === 'boolean') return true
  if (!isPlainObject(value)) return false
  const codes = value.exit_codes
  const keysOk = Object.keys(value).every((key) => key === 'exit_codes')

  return keysOk && (Number.isInteger(codes) || (Array.isArray(codes) && codes.length > 0 && codes.every((code) => Number.isInteger(code))))
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

/** `start_in` of a delayed job or rule may be at most one week. */
export const START_IN_LIMIT_SECONDS = 604_800
/**
 * `timeout` may be at most `ChronicDuration.output(Project::MAX_BUILD_TIMEOUT)`: one
 * ActiveSupport month, 30.436875 days (2 629 746 s, printed and parsed back as
 * `1 mo 10 hrs 29 mins 6 secs`).
 */
export const TIMEOUT_LIMIT_SECONDS = 2_629_746

/**
 * GitLab's DurationValidator: a value that is not a string (YAML integers included) or does
 * not parse is `should be a duration`; one that is not below the limit, or not valid at
 * all, is also `should not exceed the limit` (GitLab runs both checks, so an invalid value
 * gets both messages). GitLab compares `value.from_now < limit.from_now`, evaluated one after
 * the other, so a value equal to the limit passes.
 */
export function checkDuration(where: string, attribute: string, value: unknown, limitSeconds: number, problems: Problems): void {
  const seconds = typeof value === 'string' ? parseDurationSeconds(value) : undefined
  if (seconds === undefined) problems.add(where, `${where} ${attribute} should be a duration`)
  if (seconds === undefined || seconds > limitSeconds) problems.add(where, `${where} ${attribute} should not exceed the limit`)
}

/** GitLab's duration parser (ChronicDuration): `1h 30m`, `90 minutes`, `3600`, `1 day`. */
export function parseDurationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return value >= 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  const text = value.trim().toLowerCase()
  if (/^\d+$/.test(text)) return Number(text)
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, mo: 2_592_000, y: 31_536_000 }
  let total = 0
  let matched = false
  const re = /(\d+(?:\.\d+)?)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|w|months?|mos?|years?|yrs?|y)\b\s*(?:and\s*|,\s*)?/gy
  let last = 0
  for (let match = re.exec(text); match !== null; match = re.exec(text)) {
    matched = true
    last = re.lastIndex
    const unit = match[2] ?? 's'
    const key = unit.startsWith('mo') ? 'mo' : unit.startsWith('mi') || unit === 'm' ? 'm' : (unit[0] ?? 's')
    total += Number(match[1]) * (units[key] ?? 1)
  }

  return matched && last === text.length ? Math.round(total) : undefined
}
