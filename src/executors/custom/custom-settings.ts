/**
 * `[runners.custom]` with the official defaults applied: every timeout in milliseconds,
 * values <= 0 (or missing) replaced by the default, run_exec required.
 */
import type { CustomExecutorConfig, RunnerConfig } from '../../config/runner-config.js'
import { ConfigError } from '../../core/errors.js'

export const DEFAULT_EXEC_TIMEOUT_SECONDS = 3600
export const DEFAULT_GRACEFUL_KILL_SECONDS = 600
export const DEFAULT_FORCE_KILL_SECONDS = 10

/** One configured executable: path, arguments and (for all but run_exec) its own timeout. */
export interface DriverCommand {
  path: string
  args: readonly string[]
  timeoutMs: number
}

export interface CustomSettings {
  config?: DriverCommand
  prepare?: DriverCommand
  run: DriverCommand
  cleanup?: DriverCommand
  gracefulKillMs: number
  forceKillMs: number
}

function seconds(value: number | undefined, fallback: number): number {
  return (value !== undefined && value > 0 ? value : fallback) * 1000
}

function command(path: string | undefined, args: string[] | undefined, timeout?: number): DriverCommand | undefined {
  if (path === undefined || path === '') return undefined

  return { path, args: args ?? [], timeoutMs: seconds(timeout, DEFAULT_EXEC_TIMEOUT_SECONDS) }
}

/** Reads the runner's `[runners.custom]`; throws ConfigError without it or without run_exec. */
export function customSettings(runner: RunnerConfig): CustomSettings {
  const custom: CustomExecutorConfig | undefined = runner.custom
  if (custom === undefined) {
    throw new ConfigError('custom executor not configured', { hint: 'add a [runners.custom] table with at least run_exec' })
  }

  const run = command(custom.run_exec, custom.run_args)
  if (run === undefined) {
    throw new ConfigError('custom executor is missing RunExec', { hint: 'set run_exec in [runners.custom]' })
  }

  const config = command(custom.config_exec, custom.config_args, custom.config_exec_timeout)
  const prepare = command(custom.prepare_exec, custom.prepare_args, custom.prepare_exec_timeout)
  const cleanup = command(custom.cleanup_exec, custom.cleanup_args, custom.cleanup_exec_timeout)

  return {
    ...(config === undefined ? {} : { config }),
    ...(prepare === undefined ? {} : { prepare }),
    run,
    ...(cleanup === undefined ? {} : { cleanup }),
    gracefulKillMs: seconds(custom.graceful_kill_timeout, DEFAULT_GRACEFUL_KILL_SECONDS),
    forceKillMs: seconds(custom.force_kill_timeout, DEFAULT_FORCE_KILL_SECONDS),
  }
}
