/**
 * Resolution of plain (unquoted) YAML scalars the way Ruby's Psych does it, because GitLab
 * parses .gitlab-ci.yml with Psych (YAML 1.1 plus Psych's own rules). See spec §1.1.
 */

export class UnsafeClassError extends Error {
  constructor(readonly className: string) {
    super(`Tried to load unspecified class: ${className}`)
  }
}

const DATE = /^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$/
const TIME =
  /^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$/
const INTEGER = /^[-+]?(?:0b[01_,]+|0[0-7_,]+|(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|0x[0-9a-fA-F_,]+)$/
const BASE60_INT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/
const FLOAT = /^[-+]?(?:[0-9][0-9_,]*)?\.[0-9]*(?:[eE][-+][0-9]+)?$/

/** Value of an unquoted, untagged scalar. Throws UnsafeClassError for dates and times. */
export function resolvePlainScalar(text: string): unknown {
  if (text === '' || /^(?:~|null)$/i.test(text)) return null
  if (/^(?:yes|true|on)$/i.test(text)) return true
  if (/^(?:no|false|off)$/i.test(text)) return false
  if (DATE.test(text)) throw new UnsafeClassError('Date')
  if (TIME.test(text)) throw new UnsafeClassError('Time')
  if (INTEGER.test(text)) return parseInteger(text) ?? text
  if (BASE60_INT.test(text)) return parseBase60(text)
  if (BASE60_FLOAT.test(text)) return parseBase60(text)
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity
  if (/^\.(?:nan|NaN|NAN)$/.test(text)) return Number.NaN
  if (FLOAT.test(text) && /\d/.test(text)) return Number.parseFloat(text.replace(/[_,]/g, ''))

  return text
}

function parseInteger(text: string): number | undefined {
  const cleaned = text.replace(/[_,]/g, '')
  const negative = cleaned.startsWith('-')
  const body = cleaned.replace(/^[-+]/, '')
  let value: number
  if (/^0b[01]+$/.test(body)) value = Number.parseInt(body.slice(2), 2)
  else if (/^0x[0-9a-fA-F]+$/.test(body)) value = Number.parseInt(body.slice(2), 16)
  else if (/^0[0-7]+$/.test(body)) value = Number.parseInt(body.slice(1), 8)
  else if (/^\d+$/.test(body)) value = Number.parseInt(body, 10)
  else return undefined

  return negative ? -value : value
}

// Psych weights the parts from hours downwards: `1:30` is 1*3600 + 30*60.
function parseBase60(text: string): number {
  const negative = text.startsWith('-')
  const parts = text.replace(/^[-+]/, '').replace(/_/g, '').split(':')
  let total = 0
  parts.forEach((part, index) => {
    total += Number.parseFloat(part) * 60 ** Math.abs(index - 2)
  })

  return negative ? -total : total
}

/** Value of a scalar carrying a standard `!!` tag. */
export function resolveTaggedScalar(tag: string, text: string): unknown {
  switch (tag) {
    case 'tag:yaml.org,2002:str':
      return text
    case 'tag:yaml.org,2002:null':
      return null
    case 'tag:yaml.org,2002:bool':
      return /^(?:yes|true|on)$/i.test(text)
    case 'tag:yaml.org,2002:int':
      return parseInteger(text) ?? Number.parseInt(text, 10)
    case 'tag:yaml.org,2002:float':
      return Number.parseFloat(text.replace(/[_,]/g, ''))
    default:
      return resolvePlainScalar(text)
  }
}
