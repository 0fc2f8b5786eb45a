/**
 * GitLab's parser for `artifacts:reports:dotenv` (spec §15.2): `KEY=VALUE` per line, split at
 * the first `=`, both sides stripped, no quotes or escapes; any other line rejects the file.
 */
import type { PlanVariable } from './types.js'

export const DOTENV_MAX_BYTES = 5120
export const DOTENV_MAX_VARIABLES = 20

export type DotenvResult = { ok: true; variables: PlanVariable[] } | { ok: false; error: string }

export interface DotenvLimits {
  maxBytes?: number
  maxVariables?: number
}

export function parseDotenv(data: Buffer | string, limits: DotenvLimits = {}): DotenvResult {
  const maxBytes = limits.maxBytes ?? DOTENV_MAX_BYTES
  const maxVariables = limits.maxVariables ?? DOTENV_MAX_VARIABLES
  const buffer = typeof data === 'string' ? Buffer.from(data) : data
  if (buffer.length > maxBytes) return { ok: false, error: `Dotenv Artifact Too Big. Maximum Allowable Size: ${maxBytes}` }

  const text = decode(buffer)
  const values = new Map<string, string>()
  const lines = text.split('\n')
  // A final newline ends the last line; it does not start an empty one.
  if (lines[lines.length - 1] === '') lines.pop()
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '')
    const match = /^(.*?)=(.*)$/.exec(line)
    if (match === null) return { ok: false, error: 'Invalid Format' }
    const key = (match[1] ?? '').trim()
    if (!/^[A-Za-z0-9_]+$/.test(key)) return { ok: false, error: `Invalid Key: ${key}` }
    values.delete(key)
    values.set(key, (match[2] ?? '').trim())
  }

  if (values.size > maxVariables) return { ok: false, error: `Dotenv files cannot have more than ${maxVariables} variables` }

  return { ok: true, variables: [...values].map(([key, value]) => ({ key, value, raw: false })) }
}

function decode(buffer: Buffer): string {
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return buffer.subarray(2).toString('utf16le')
  const text = buffer.toString('utf8')

  return text.startsWith('\uFEFF') ? text.slice(1) : text
}
