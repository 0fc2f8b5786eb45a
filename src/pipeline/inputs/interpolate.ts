/**
 * `$[[ inputs.NAME | fn ]]` interpolation over a parsed body (spec §6.3): every string key
 * and value; a string that is exactly one block takes the input's typed value.
 */
import { PipelineConfigError } from '../config-problem.js'
import { isPlainObject, setKey } from '../util/objects.js'
import type { InputsTarget } from './spec-inputs.js'

const BLOCK = /\$\[\[\s*(.*?)\s*\]\]/g
const WHOLE = /^\$\[\[\s*(.*?)\s*\]\]$/

function problem(target: InputsTarget, message: string): PipelineConfigError {
  return new PipelineConfigError([{ file: target.file, message: `${target.prefix}${message}` }])
}

export function interpolate(body: unknown, inputs: Map<string, unknown>, target: InputsTarget): unknown {
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return interpolateString(value, inputs, target)
    if (Array.isArray(value)) return value.map(walk)
    if (isPlainObject(value)) {
      const result: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(value)) setKey(result, asText(interpolateString(key, inputs, target)), walk(item))

      return result
    }

    return value
  }

  return walk(body)
}

/** `$[[ matrix.NAME ]]` belongs to needs:parallel:matrix and is filled in per matrix job later. */
const MATRIX_ACCESS = /^matrix\.[a-zA-Z0-9_-]+$/

function interpolateString(text: string, inputs: Map<string, unknown>, target: InputsTarget): unknown {
  if (!text.includes('$[[')) return text
  const whole = WHOLE.exec(text)
  if (whole !== null && !whole[1]?.includes(']]')) return MATRIX_ACCESS.test(whole[1] ?? '') ? text : evaluateBlock(whole[1] ?? '', inputs, target)

  return text.replace(BLOCK, (match, inner: string) => (MATRIX_ACCESS.test(inner) ? match : asText(evaluateBlock(inner, inputs, target))))
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value) || isPlainObject(value)) return JSON.stringify(value)

  return String(value)
}

function evaluateBlock(inner: string, inputs: Map<string, unknown>, target: InputsTarget): unknown {
  const [access = '', ...functions] = inner.split('|').map((part) => part.trim())
  if (functions.length > 3) throw problem(target, 'too many functions in interpolation block')
  const match = /^inputs\.([\w-]+)$/.exec(access)
  if (match === null) throw problem(target, 'invalid interpolation access pattern')
  const name = match[1] ?? ''
  if (!inputs.has(name)) throw problem(target, `unknown interpolation key: \`${name}\``)

  let value = inputs.get(name)
  for (const call of functions) value = applyFunction(call, value, target)

  return value
}

function applyFunction(call: string, value: unknown, target: InputsTarget): unknown {
  const truncate = /^truncate\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(call)
  if (truncate !== null) {
    if (typeof value !== 'string') throw problem(target, 'invalid input type: truncate can only be used with string inputs')
    const offset = Number(truncate[1])

    return value.slice(offset, offset + Number(truncate[2]))
  }

  if (call === 'expand_vars') {
    if (typeof value !== 'string') throw problem(target, 'invalid input type: expand_vars can only be used with string inputs')

    return target.expandVars(value)
  }

  if (call === 'posix_escape') {
    if (typeof value !== 'string') throw problem(target, 'invalid input type: posix_escape can only be used with string inputs')

    return posixEscape(value)
  }

  const name = call.replace(/\(.*$/, '')
  throw problem(target, `no function matching \`${name}\`: check that the function name, arguments, and types are correct`)
}

/** Ruby's Shellwords.escape. */
export function posixEscape(value: string): string {
  if (value === '') return "''"

  return value.replace(/[^A-Za-z0-9_\-.,:+/@\n]/g, '\\$&').replace(/\n/g, "'\n'")
}
