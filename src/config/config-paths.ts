/** How config keys and values are named in messages: `runners[0].limit`, `"two"`. */

const BARE_KEY = /^[A-Za-z0-9_-]+$/

export function formatKeyPath(path: readonly (string | number)[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += (out === '' ? '' : '.') + (BARE_KEY.test(part) ? part : JSON.stringify(part))
  }

  return out === '' ? '(top level)' : out
}

/** A short, quoted rendering of a bad value: strings quoted, tables and arrays named. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  if (typeof value === 'bigint') return `${value} (too large)`
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object' && value !== null) return 'a table'

  return String(value)
}
