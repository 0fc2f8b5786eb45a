/**
 * The zod schemas config.toml is validated with. Every leaf schema carries, as its error
 * message, what is expected in words ("an integer"), so load-config.ts can say
 * `runners[0].limit: expected an integer, got "two"` without guessing from zod's wording.
 *
 * Everything is optional here: defaults are applied afterwards, from defaultRunnerConfig()
 * and DEFAULT_GLOBALS, so the schema and the defaults cannot drift apart.
 */
import { parseGoDuration } from '../core/duration.js'
import { z } from 'zod'

const str = () => z.string({ error: 'a string' })
const bool = () => z.boolean({ error: 'a boolean (true or false)' })
const int = () => z.int({ error: 'an integer' })
const nonNegativeInt = () => int().min(0, { error: 'an integer >= 0' })
const table = () => z.record(z.string(), z.unknown(), { error: 'a table' })

/** The official runner writes "no expiry" as the zero time; glrunner reads it as absent. */
const ZERO_TIME_PREFIX = '0001-01-01'

/**
 * A TOML datetime or a string holding one, normalised to ISO 8601 UTC without
 * milliseconds when they are zero (`2026-03-01T10:00:00Z`); the zero time becomes undefined.
 */
const dateTime = () =>
  z.union([z.date(), z.string()], { error: 'a date-time' }).transform((value, ctx) => {
    const text = value instanceof Date ? value.toISOString() : value.trim()
    if (text === '' || text.startsWith(ZERO_TIME_PREFIX)) return undefined

    const parsed = new Date(text)
    if (Number.isNaN(parsed.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'a date-time such as 2026-03-01T10:00:00Z', input: value })

      return z.NEVER
    }

    return formatTimestamp(parsed)
  })

/** ISO 8601 UTC, milliseconds dropped when zero: the form token timestamps are kept in. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z')
}

/** Seconds, or a Go duration string ("1h", "90m", "1h30m", "45s") as the official file holds. */
const durationSeconds = () =>
  z.union([z.int(), z.string()], { error: 'a number of seconds or a duration such as "1h30m"' }).transform((value, ctx) => {
    if (typeof value === 'number') return value

    const ms = parseGoDuration(value)
    const seconds = ms === undefined ? undefined : Math.round(ms / 1000)
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a number of seconds or a duration such as "1h30m"', input: value })

      return z.NEVER
    }

    return seconds
  })

export const sshSchema = z.looseObject(
  {
    host: str().optional(),
    port: z.union([z.string(), z.int()], { error: 'a port number' }).optional(),
    user: str().optional(),
    password: str().optional(),
    identity_file: str().optional(),
    known_hosts_file: str().optional(),
    disable_strict_host_key_checking: bool().optional(),
  },
  { error: 'a table' },
)

const stringList = () => z.array(str(), { error: 'an array of strings' })

export const customSchema = z.looseObject(
  {
    config_exec: str().optional(),
    config_args: stringList().optional(),
    config_exec_timeout: int().optional(),
    prepare_exec: str().optional(),
    prepare_args: stringList().optional(),
    prepare_exec_timeout: int().optional(),
    run_exec: str().optional(),
    run_args: stringList().optional(),
    cleanup_exec: str().optional(),
    cleanup_args: stringList().optional(),
    cleanup_exec_timeout: int().optional(),
    graceful_kill_timeout: int().optional(),
    force_kill_timeout: int().optional(),
  },
  { error: 'a table' },
)

/** Per-runner keys glrunner understands; anything else goes to `extra`. */
export const runnerShape = {
  name: str(),
  url: str(),
  id: nonNegativeInt(),
  token: str(),
  token_obtained_at: dateTime(),
  token_expires_at: dateTime(),
  executor: str(),
  shell: str(),
  limit: nonNegativeInt(),
  request_concurrency: int(),
  builds_dir: str(),
  cache_dir: str(),
  environment: stringList(),
  output_limit: nonNegativeInt(),
  pre_get_sources_script: str(),
  post_get_sources_script: str(),
  pre_build_script: str(),
  post_build_script: str(),
  clone_url: str(),
  'tls-ca-file': str(),
  'tls-cert-file': str(),
  'tls-key-file': str(),
  debug_trace_disabled: bool(),
  prepare_timeout: nonNegativeInt(),
  get_sources_timeout: nonNegativeInt(),
  unhealthy_requests_limit: nonNegativeInt(),
  unhealthy_interval: durationSeconds(),
  job_status_final_update_retry_limit: nonNegativeInt(),
  strict_check_interval: bool(),
  clean_git_config: bool(),
  safe_directory_checkout: bool(),
  feature_flags: z.record(z.string(), bool(), { error: 'a table of booleans' }),
  custom_build_dir: z.looseObject({ enabled: bool().optional() }, { error: 'a table' }),
  ssh: sshSchema,
  custom: customSchema,
  docker: table(),
  cache: table(),
} as const

export const runnerSchema = z.object(
  Object.fromEntries(Object.entries(runnerShape).map(([key, schema]) => [key, schema.optional()])) as {
    [K in keyof typeof runnerShape]: z.ZodOptional<(typeof runnerShape)[K]>
  },
  { error: 'a table' },
)

export const sessionServerSchema = z.looseObject(
  {
    listen_address: str().optional(),
    advertise_address: str().optional(),
    session_timeout: nonNegativeInt().optional(),
  },
  { error: 'a table' },
)

export const globalShape = {
  concurrent: int().min(1, { error: 'an integer >= 1' }),
  check_interval: int(),
  log_level: str(),
  log_format: str(),
  shutdown_timeout: nonNegativeInt(),
  listen_address: str(),
  session_server: sessionServerSchema,
} as const

export const globalSchema = z.object(
  Object.fromEntries(Object.entries(globalShape).map(([key, schema]) => [key, schema.optional()])) as {
    [K in keyof typeof globalShape]: z.ZodOptional<(typeof globalShape)[K]>
  },
)

/**
 * Keys of the official config.toml that glrunner does not use but that are not mistakes:
 * kept in `extra` and written back, without an "unknown key" warning.
 */
export const OFFICIAL_GLOBAL_KEYS = new Set(['sentry_dsn', 'connection_max_age', 'experimental', 'labels',
  // glrunner's own tables, validated where they are used (src/metrics, src/cleanup).
  'metrics', 'cleanup'])
export const OFFICIAL_RUNNER_KEYS = new Set([
  'kubernetes', 'machine', 'autoscaler', 'parallels', 'virtualbox', 'instance', 'referees',
  'labels', 'monitoring', 'pre_clone_script', 'step_runner_image', 'system_id', 'shell_path',
])
