/**
 * Writes GlobalConfig back to config.toml in the official layout: global keys, then
 * `[session_server]`, then one `[[runners]]` block per runner with its keys in the official
 * order followed by its sub-tables. Keys at their default value are left out (as the
 * official runner's omitempty does), except the identity keys every entry has. Unknown
 * keys and tables from `extra` are written back untouched.
 *
 * The file is replaced atomically (temp file + rename) with mode 0600, in a directory
 * created 0700, under the in-process config lock.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { stringify, TomlDate } from 'smol-toml'
import { ConfigError } from '../core/errors.js'
import { withConfigLock } from './config-lock.js'
import { loadConfig, type LoadedConfig } from './load-config.js'
import { defaultGlobalConfig, defaultRunnerConfig, type GlobalConfig, type RunnerConfig } from './runner-config.js'

const GLOBAL_ORDER = ['concurrent', 'check_interval', 'log_level', 'log_format', 'shutdown_timeout', 'listen_address'] as const
const GLOBAL_ALWAYS = new Set(['concurrent', 'check_interval', 'shutdown_timeout'])

const RUNNER_ORDER: (keyof RunnerConfig)[] = [
  'name', 'limit', 'output_limit', 'request_concurrency', 'url', 'id', 'token', 'token_obtained_at',
  'token_expires_at', 'tls-ca-file', 'tls-cert-file', 'tls-key-file', 'executor', 'shell',
  'builds_dir', 'cache_dir', 'clone_url', 'environment', 'pre_get_sources_script',
  'post_get_sources_script', 'pre_build_script', 'post_build_script', 'debug_trace_disabled',
  'prepare_timeout', 'get_sources_timeout', 'unhealthy_requests_limit', 'unhealthy_interval',
  'job_status_final_update_retry_limit', 'strict_check_interval', 'clean_git_config',
  'safe_directory_checkout', 'feature_flags', 'custom_build_dir', 'cache', 'docker', 'ssh', 'custom',
]
const RUNNER_ALWAYS = new Set<keyof RunnerConfig>(['name', 'url', 'id', 'token', 'executor'])
const TIMESTAMP_KEYS = new Set<keyof RunnerConfig>(['token_obtained_at', 'token_expires_at'])

export async function saveConfig(path: string, config: GlobalConfig): Promise<void> {
  await withConfigLock(path, () => writeAtomically(path, renderConfig(config)))
}

/**
 * Load, change, save, all under the lock: the safe way to edit the file while other code in
 * this process may edit it too (token rotation, register). A missing file starts empty.
 */
export async function updateConfig(
  path: string,
  mutate: (config: GlobalConfig) => void | Promise<void>,
): Promise<LoadedConfig> {
  return withConfigLock(path, async () => {
    const loaded = await loadConfig(path)
    await mutate(loaded.config)
    await saveConfig(path, loaded.config)

    return { ...loaded, exists: true }
  })
}

/** The TOML text saveConfig writes. */
export function renderConfig(config: GlobalConfig): string {
  const defaults = defaultGlobalConfig()
  const document: Record<string, unknown> = {}
  for (const key of GLOBAL_ORDER) {
    if (GLOBAL_ALWAYS.has(key) || !isDeepStrictEqual(config[key], defaults[key])) document[key] = config[key]
  }
  Object.assign(document, withoutUndefined(config.extra))
  if (config.session_server) document.session_server = withoutUndefined(config.session_server)
  if (config.runners.length > 0) document.runners = config.runners.map(renderRunner)

  return stringify(document)
}

function renderRunner(runner: RunnerConfig): Record<string, unknown> {
  const defaults = defaultRunnerConfig()
  const table: Record<string, unknown> = {}
  for (const key of RUNNER_ORDER) {
    const value = runner[key]
    if (value === undefined) continue
    if (!RUNNER_ALWAYS.has(key) && isDeepStrictEqual(value, defaults[key])) continue
    if (key === 'feature_flags' && Object.keys(value as object).length === 0) continue

    table[key] = TIMESTAMP_KEYS.has(key) ? new TomlDate(String(value)) : withoutUndefined(value)
  }

  return { ...table, ...withoutUndefined(runner.extra) }
}

/** smol-toml cannot write `undefined`; optional fields that are unset are simply absent. */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((item) => item !== undefined).map(withoutUndefined) as T
  if (value === null || typeof value !== 'object' || value instanceof Date) return value

  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined).map(([key, entry]) => [key, withoutUndefined(entry)]),
  ) as T
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const directory = dirname(path)
  const temp = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 })
    const handle = await open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  } catch (err) {
    await unlink(temp).catch(() => undefined)

    throw new ConfigError(`writing config file ${path}`, {
      cause: err,
      hint: 'Check that the directory exists and is writable by this user.',
    })
  }
}
