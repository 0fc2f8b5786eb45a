/** Parsers for commander option values, shared by the runner lifecycle commands. */
import { InvalidArgumentError } from 'commander'

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', 't'])
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', 'f', ''])

/** `--flag`, `--flag=true`, `--flag false`, or the same words from an environment variable. */
export function parseBoolean(value: string): boolean {
  const word = value.trim().toLowerCase()
  if (TRUE_WORDS.has(word)) return true
  if (FALSE_WORDS.has(word)) return false

  throw new InvalidArgumentError(`expected true or false, got ${JSON.stringify(value)}.`)
}

export function parseNonNegativeInteger(value: string): number {
  const trimmed = value.trim()
  if (!/^\d+$/.test(trimmed)) throw new InvalidArgumentError(`expected a whole number >= 0, got ${JSON.stringify(value)}.`)

  return Number(trimmed)
}

export function parsePositiveInteger(value: string): number {
  const trimmed = value.trim()
  if (!/^\d+$/.test(trimmed) || Number(trimmed) === 0) throw new InvalidArgumentError(`expected a whole number >= 1, got ${JSON.stringify(value)}.`)

  return Number(trimmed)
}

/** For repeatable options: each occurrence adds to the list. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/** `--env KEY=VALUE`: the key must be non-empty. */
export function collectEnvironment(value: string, previous: string[] | undefined): string[] {
  if (!/^[^=\s]+=/.test(value)) throw new InvalidArgumentError(`expected KEY=VALUE, got ${JSON.stringify(value)}.`)

  return collect(value, previous)
}

/** `a, b,c` -> ['a', 'b', 'c']. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '')
}
