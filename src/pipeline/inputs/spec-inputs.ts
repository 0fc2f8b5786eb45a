/**
 * `spec:inputs` (spec §6): validates the values given to a file against its header and
 * interpolates `$[[ inputs.x ]]` blocks in the file's body.
 */
import { PipelineConfigError } from '../config-problem.js'
import { compileRe2 } from '../rules/re2-regexp.js'
import { isPlainObject, setKey } from '../util/objects.js'
import { interpolate } from './interpolate.js'

const INPUT_KEYS = new Set(['type', 'default', 'description', 'options', 'regex', 'rules'])
const TYPES = new Set(['string', 'number', 'boolean', 'array'])

export interface InputsTarget {
  /** File name used in messages. */
  file: string
  /** Message prefix: `` `file`: `` for included files, '' for the root file. */
  prefix: string
  /** Expands `$VAR` with the pre-pipeline variables (expand_vars). */
  expandVars: (text: string) => string
}

function problem(target: InputsTarget, message: string): PipelineConfigError {
  return new PipelineConfigError([{ file: target.file, message: `${target.prefix}${message}` }])
}

/** Returns the body with inputs interpolated; throws PipelineConfigError on bad inputs. */
export function applySpecInputs(
  header: Record<string, unknown> | undefined,
  body: unknown,
  supplied: Record<string, unknown> | undefined,
  target: InputsTarget,
): unknown {
  if (header === undefined) {
    if (supplied !== undefined && Object.keys(supplied).length > 0) {
      throw problem(target, 'Given inputs not defined in the `spec` section of the included configuration file')
    }

    return body
  }

  const spec = header.spec
  const unknownHeader = Object.keys(header).filter((key) => key !== 'spec')
  if (unknownHeader.length > 0) throw problem(target, `header config contains unknown keys: ${unknownHeader.join(', ')}`)
  if (spec !== null && !isPlainObject(spec)) throw problem(target, 'header:spec config must be a hash')
  const specKeys = Object.keys(spec ?? {}).filter((key) => !['inputs', 'component', 'include'].includes(key))
  if (specKeys.length > 0) throw problem(target, `header:spec config contains unknown keys: ${specKeys.join(', ')}`)

  const declared = (spec?.inputs ?? {}) as Record<string, unknown>
  if (!isPlainObject(declared)) throw problem(target, 'header:spec:inputs config must be a hash')
  const values = resolveValues(declared, supplied ?? {}, target)

  return interpolate(body, values, target)
}

function resolveValues(
  declared: Record<string, unknown>,
  supplied: Record<string, unknown>,
  target: InputsTarget,
): Map<string, unknown> {
  const unknown = Object.keys(supplied).filter((name) => !Object.prototype.hasOwnProperty.call(declared, name))
  if (unknown.length > 0) throw problem(target, `unknown input arguments: ${unknown.join(', ')}`)

  const values = new Map<string, unknown>()
  for (const [name, rawSpec] of Object.entries(declared)) {
    const spec = rawSpec === null ? {} : rawSpec
    if (!isPlainObject(spec)) throw problem(target, `\`${name}\` input: config must be a hash`)
    const badKeys = Object.keys(spec).filter((key) => !INPUT_KEYS.has(key))
    if (badKeys.length > 0) throw problem(target, `\`${name}\` input: unknown keys: ${badKeys.join(', ')}`)
    if (spec.rules !== undefined) throw problem(target, `\`${name}\` input: rules are not supported by glrunner`)

    const type = spec.type === undefined ? 'string' : String(spec.type)
    if (!TYPES.has(type)) throw problem(target, `\`${name}\` input: unknown input type \`${type}\``)

    const given = Object.prototype.hasOwnProperty.call(supplied, name)
    const hasDefault = Object.prototype.hasOwnProperty.call(spec, 'default')
    if (!given && !hasDefault) throw problem(target, `\`${name}\` input: required value has not been provided`)
    if (hasDefault && spec.default !== null && !hasType(spec.default, type)) {
      throw problem(target, `\`${name}\` input: default value is not ${article(type)}`)
    }

    const value = given ? supplied[name] : spec.default
    if (given && !hasType(value, type)) throw problem(target, `\`${name}\` input: provided value is not ${article(type)}`)
    checkOptions(name, value, spec, target)
    checkRegex(name, value, spec, type, target)
    values.set(name, value)
  }

  return values
}

function checkOptions(name: string, value: unknown, spec: Record<string, unknown>, target: InputsTarget): void {
  if (!Array.isArray(spec.options)) return
  if (spec.options.some((option) => option === value)) return
  throw problem(target, `\`${name}\` input: \`${String(value)}\` cannot be used because it is not in the list of allowed options`)
}

function checkRegex(name: string, value: unknown, spec: Record<string, unknown>, type: string, target: InputsTarget): void {
  if (typeof spec.regex !== 'string') return
  if (type !== 'string') throw problem(target, `\`${name}\` input: RegEx validation can only be used with string inputs`)
  const form = /^\/(.*)\/([ismU]*)$/s.exec(spec.regex)
  let matched: boolean
  try {
    matched = compileRe2(form?.[1] ?? spec.regex, form?.[2] ?? '').test(String(value))
  } catch {
    matched = false
  }
  if (!matched) throw problem(target, `\`${name}\` input: provided value does not match required RegEx pattern`)
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'number':
      return typeof value === 'number'
    case 'boolean':
      return typeof value === 'boolean'
    case 'array':
      return Array.isArray(value)
    default:
      return typeof value === 'string'
  }
}

function article(type: string): string {
  return type === 'array' ? 'an array' : `a ${type}`
}

/** Copies a supplied inputs hash (used to keep include entries immutable). */
export function copyInputs(value: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) return undefined
  const copy: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) setKey(copy, key, item)

  return copy
}
