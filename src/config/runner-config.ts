/**
 * The shape of config.toml after loading, with defaults applied. Keys keep the official
 * runner's names (snake_case, and `tls-ca-file` with dashes) so a user's existing file
 * reads the same. Sub-tables glrunner does not understand yet stay in `extra` and are
 * written back untouched.
 *
 * The loader (load-config.ts) validates a parsed TOML document into these types; the
 * engine, manager and executors only ever see these types.
 */

export type ExecutorName = 'shell' | 'docker' | 'ssh' | 'custom' | 'kubernetes' | (string & {})
export type ShellName = 'bash' | 'sh' | 'pwsh' | 'powershell'

export interface SshConfig {
  host?: string
  port?: string | number
  user?: string
  password?: string
  identity_file?: string
  known_hosts_file?: string
  disable_strict_host_key_checking?: boolean
  [key: string]: unknown
}

export interface CustomExecutorConfig {
  config_exec?: string
  config_args?: string[]
  config_exec_timeout?: number
  prepare_exec?: string
  prepare_args?: string[]
  prepare_exec_timeout?: number
  run_exec?: string
  run_args?: string[]
  cleanup_exec?: string
  cleanup_args?: string[]
  cleanup_exec_timeout?: number
  graceful_kill_timeout?: number
  force_kill_timeout?: number
  [key: string]: unknown
}

export interface RunnerConfig {
  name: string
  url: string
  /** GitLab's numeric runner id, when registration returned one. */
  id: number
  token: string
  token_obtained_at?: string
  token_expires_at?: string
  executor: ExecutorName
  /** Empty means the executor's default shell. */
  shell: string
  limit: number
  request_concurrency: number
  builds_dir: string
  cache_dir: string
  environment: string[]
  /** KiB; 0 means the default 4096. */
  output_limit: number
  pre_get_sources_script: string
  post_get_sources_script: string
  pre_build_script: string
  post_build_script: string
  clone_url: string
  'tls-ca-file': string
  'tls-cert-file': string
  'tls-key-file': string
  debug_trace_disabled: boolean
  /** Seconds; 0 means the job timeout. */
  prepare_timeout?: number
  get_sources_timeout?: number
  unhealthy_requests_limit: number
  /** Seconds. */
  unhealthy_interval: number
  job_status_final_update_retry_limit: number
  strict_check_interval: boolean
  clean_git_config?: boolean
  safe_directory_checkout?: boolean
  feature_flags: Record<string, boolean>
  custom_build_dir?: { enabled?: boolean }
  ssh?: SshConfig
  custom?: CustomExecutorConfig
  docker?: Record<string, unknown>
  cache?: Record<string, unknown>
  /** Tables and keys the loader did not recognise, kept so a save writes them back. */
  extra: Record<string, unknown>
}

export interface SessionServerConfig {
  listen_address?: string
  advertise_address?: string
  /** Seconds. */
  session_timeout?: number
  [key: string]: unknown
}

export interface GlobalConfig {
  concurrent: number
  /** Seconds; values <= 0 mean 3. */
  check_interval: number
  log_level: string
  log_format: string
  /** Seconds. */
  shutdown_timeout: number
  listen_address: string
  /** `[session_server]`, kept when present (glrunner does not start a session server yet). */
  session_server?: SessionServerConfig
  runners: RunnerConfig[]
  /** Unrecognised top-level keys and tables, kept for write-back. */
  extra: Record<string, unknown>
}

export const DEFAULT_OUTPUT_LIMIT_KIB = 4096
export const DEFAULT_CHECK_INTERVAL_SECONDS = 3
export const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 30

/** The global section with every default filled in and no runners: what a missing file means. */
export function defaultGlobalConfig(overrides: Partial<GlobalConfig> = {}): GlobalConfig {
  return {
    concurrent: 1,
    check_interval: DEFAULT_CHECK_INTERVAL_SECONDS,
    log_level: '',
    log_format: '',
    shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
    listen_address: '',
    runners: [],
    extra: {},
    ...overrides,
  }
}

/** A runner entry with every default filled in, for code paths that build one from flags. */
export function defaultRunnerConfig(overrides: Partial<RunnerConfig> = {}): RunnerConfig {
  return {
    name: '',
    url: '',
    id: 0,
    token: '',
    executor: 'shell',
    shell: '',
    limit: 0,
    request_concurrency: 1,
    builds_dir: '',
    cache_dir: '',
    environment: [],
    output_limit: 0,
    pre_get_sources_script: '',
    post_get_sources_script: '',
    pre_build_script: '',
    post_build_script: '',
    clone_url: '',
    'tls-ca-file': '',
    'tls-cert-file': '',
    'tls-key-file': '',
    debug_trace_disabled: false,
    unhealthy_requests_limit: 3,
    unhealthy_interval: 3600,
    job_status_final_update_retry_limit: 10,
    strict_check_interval: false,
    feature_flags: {},
    extra: {},
    ...overrides,
  }
}
