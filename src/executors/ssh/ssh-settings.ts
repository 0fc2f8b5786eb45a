/**
 * `[runners.ssh]` with defaults applied (executors.md 5.1). Besides the official keys,
 * glrunner reads `connect_timeout` (seconds per dial attempt, default 60),
 * `connect_attempts` (default 3, as the official runner's fixed count),
 * `connect_retry_interval` (seconds, default 3) and `keep_alive_interval` (seconds, default
 * 30; 0 turns keep-alives off).
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { RunnerConfig } from '../../config/runner-config.js'
import { ConfigError } from '../../core/errors.js'

export interface SshSettings {
  host: string
  port: number
  user: string
  password?: string
  identityFile?: string
  knownHostsFile: string
  strictHostKeyChecking: boolean
  connectTimeoutMs: number
  connectAttempts: number
  connectRetryIntervalMs: number
  keepAliveIntervalMs: number
}

function nonNegative(value: unknown, key: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`[runners.ssh] ${key} must be a non-negative number of seconds, got ${JSON.stringify(value)}`)
  }

  return value
}

/** Reads `[runners.ssh]`; throws ConfigError `missing SSH configuration` without it. */
export function sshSettings(runner: RunnerConfig): SshSettings {
  const ssh = runner.ssh
  if (ssh === undefined) throw new ConfigError('missing SSH configuration', { hint: 'add a [runners.ssh] table with host and user' })

  const port = Number(ssh.port === undefined || ssh.port === '' ? 22 : ssh.port)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new ConfigError(`[runners.ssh] port must be 1-65535, got ${JSON.stringify(ssh.port)}`)
  }
  const attempts = nonNegative(ssh.connect_attempts, 'connect_attempts', 3)

  return {
    host: ssh.host || 'localhost',
    port,
    user: ssh.user || 'root',
    ...(ssh.password ? { password: ssh.password } : {}),
    ...(ssh.identity_file ? { identityFile: ssh.identity_file } : {}),
    knownHostsFile: ssh.known_hosts_file || join(homedir(), '.ssh', 'known_hosts'),
    strictHostKeyChecking: ssh.disable_strict_host_key_checking !== true,
    connectTimeoutMs: nonNegative(ssh.connect_timeout, 'connect_timeout', 60) * 1000,
    connectAttempts: Math.max(1, Math.floor(attempts)),
    connectRetryIntervalMs: nonNegative(ssh.connect_retry_interval, 'connect_retry_interval', 3) * 1000,
    keepAliveIntervalMs: nonNegative(ssh.keep_alive_interval, 'keep_alive_interval', 30) * 1000,
  }
}
