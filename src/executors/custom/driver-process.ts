/**
 * Runs one driver executable in its own session and process group (so a stop reaches
 * whatever it started), bounded by the job's signal and, for config/prepare/cleanup, by
 * its own timeout. Stopping is TERM to the group, KILL after graceful_kill_timeout, then
 * giving up after force_kill_timeout.
 */
import { GlrunnerError } from '../../core/errors.js'
import { runProcessTree, type TreeRunResult } from '../shell/process-tree.js'
import type { DriverCommand } from './custom-settings.js'

export interface DriverRunOptions {
  /** Which key it is, for messages: `config_exec`, `prepare_exec`, … */
  name: string
  command: DriverCommand
  /** Appended after the configured args (run_exec: script path and stage name). */
  extraArgs?: readonly string[]
  env: NodeJS.ProcessEnv
  cwd: string
  stdout: (chunk: Buffer) => void
  stderr: (chunk: Buffer) => void
  /** The job's signal, or undefined for cleanup (which runs whatever happened to the job). */
  signal?: AbortSignal
  /** Apply the command's own timeout (not for run_exec, which the job's timeouts bound). */
  ownTimeout: boolean
  gracefulKillMs: number
  forceKillMs: number
}

export interface DriverResult extends TreeRunResult {
  timedOut: boolean
}

export async function runDriver(options: DriverRunOptions): Promise<DriverResult> {
  const timeout = options.ownTimeout ? AbortSignal.timeout(options.command.timeoutMs) : undefined
  const signals = [options.signal, timeout].filter((item): item is AbortSignal => item !== undefined)
  const signal = signals.length === 0 ? new AbortController().signal : AbortSignal.any(signals)

  let result: TreeRunResult
  try {
    result = await runProcessTree({
      command: options.command.path,
      args: [...options.command.args, ...(options.extraArgs ?? [])],
      input: '',
      cwd: options.cwd,
      env: options.env,
      stdout: options.stdout,
      stderr: options.stderr,
      signal,
      gracefulKillMs: options.gracefulKillMs,
      forceKillMs: options.forceKillMs,
    })
  } catch (err) {
    throw new GlrunnerError('GLR_CUSTOM_START', `starting ${options.name} ${JSON.stringify(options.command.path)}`, {
      cause: err,
      hint: `check that ${options.name} in [runners.custom] names an executable file`,
    })
  }

  if (result.gaveUp) {
    throw new GlrunnerError('GLR_PROCESS_DORMANT', `failed to kill process PID=${result.pid}, likely process is dormant`)
  }

  return { ...result, timedOut: timeout?.aborted === true && options.signal?.aborted !== true }
}
