/**
 * The optional `[cleanup]` table of config.toml (glrunner's own):
 *
 *   [cleanup]
 *     older_than = "168h"        # remove what no job used for this long (default 7 days)
 *     interval = "6h"            # run from `glrunner run` this often (default: never)
 *     min_free_space = "10GB"    # also run when free space under a builds/cache dir is lower
 *     docker = true              # also remove Docker cache volumes and glrunner images
 *
 * Durations are Go-style ("90m", "1h30m") plus days ("7d"); sizes are bytes or a number
 * with KB/MB/GB/TB (powers of 1024) or a percentage of the file system ("5%").
 */
import { ConfigError } from '../core/errors.js'

export interface CleanupSettings {
  olderThanMs: number
  /** 0 = no scheduled cleanup. */
  intervalMs: number
  minFreeSpace: { bytes: number } | { percent: number } | undefined
  docker: boolean
}

export const DEFAULT_OLDER_THAN_MS = 7 * 24 * 3600_000
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 }

/** "1h30m", "7d", "45s" or a number of seconds; undefined when it is not one. */
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined
  const text = value.trim()
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|d|h|m|s)/g)]
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) return /^\d+$/.test(text) ? Number(text) * 1000 : undefined

  return parts.reduce((sum, part) => sum + Number(part[1]) * (UNIT_MS[part[2]!] ?? 0), 0)
}

export function parseSize(value: string | number): { bytes: number } | { percent: number } | undefined {
  if (typeof value === 'number') return value >= 0 ? { bytes: value } : undefined
  const match = /^(\d+(?:\.\d+)?)\s*(%|[kmgt]?b?)$/i.exec(value.trim())
  if (!match) return undefined
  const amount = Number(match[1])
  if (match[2] === '%') return amount <= 100 ? { percent: amount } : undefined
  const unit = match[2]!.toLowerCase()
  const factor = SIZE_UNITS[unit.endsWith('b') ? unit : unit === '' ? '' : `${unit}b`]

  return factor === undefined ? undefined : { bytes: Math.round(amount * factor) }
}

/** Reads `[cleanup]` from the loader's `extra`; throws a ConfigError naming the key. */
export function cleanupSettings(extra: Record<string, unknown>): CleanupSettings {
  const table = extra.cleanup ?? {}
  if (typeof table !== 'object' || table === null || Array.isArray(table)) throw invalid('cleanup', 'a table', table)
  const values = table as Record<string, unknown>
  const duration = (key: string, fallback: number): number => {
    const raw = values[key]
    if (raw === undefined) return fallback
    const parsed = typeof raw === 'string' || typeof raw === 'number' ? parseDurationMs(raw) : undefined
    if (parsed === undefined) throw invalid(`cleanup.${key}`, 'a duration such as "72h" or "7d"', raw)

    return parsed
  }
  let minFreeSpace: CleanupSettings['minFreeSpace']
  if (values.min_free_space !== undefined) {
    const raw = values.min_free_space
    minFreeSpace = typeof raw === 'string' || typeof raw === 'number' ? parseSize(raw) : undefined
    if (!minFreeSpace) throw invalid('cleanup.min_free_space', 'a size such as "10GB" or "5%"', raw)
  }
  if (values.docker !== undefined && typeof values.docker !== 'boolean') throw invalid('cleanup.docker', 'a boolean (true or false)', values.docker)

  return { olderThanMs: duration('older_than', DEFAULT_OLDER_THAN_MS), intervalMs: duration('interval', 0), minFreeSpace, docker: values.docker !== false }
}

function invalid(key: string, expected: string, value: unknown): ConfigError {
  return new ConfigError(`${key}: expected ${expected}, got ${JSON.stringify(value)}`, { hint: 'Fix the value in config.toml.' })
}
