/**
 * The shell executor: every stage is a new login shell (`bash -l` / `sh -l`) on this
 * machine, reading the generated script from stdin, in its own session and process
 * group so that a stop reaches everything the job started.
 */
import { GlrunnerError, ScriptExitError } from '../../core/errors.js'
import type { Executor, PrepareOptions, RunOptions } from '../executor.js'
import { runProcessTree } from './process-tree.js'

export interface ShellExecutorOptions {
  /** Wait between SIGTERM and SIGKILL; the official runner waits 10 minutes. */
  gracefulKillMs?: number
  /** Wait after SIGKILL before giving up on a dormant process. */
  forceKillMs?: number
}

export const DEFAULT_GRACEFUL_KILL_MS = 10 * 60_000
export const DEFAULT_FORCE_KILL_MS = 10_000

/** Go's names for the signals a script usually dies from (`signal: killed`). */
const SIGNAL_WORDS: Partial<Record<NodeJS.Signals, string>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
  SIGQUIT: 'quit',
  SIGABRT: 'aborted',
  SIGSEGV: 'segmentation fault',
  SIGPIPE: 'broken pipe',
  SIGBUS: 'bus error',
  SIGFPE: 'floating point exception',
  SIGILL: 'illegal instruction',
  SIGUSR1: 'user defined signal 1',
  SIGUSR2: 'user defined signal 2',
}

export class ShellExecutor implements Executor {
  #projectDir: string | undefined
  readonly #gracefulKillMs: number
  readonly #forceKillMs: number

  constructor(options: ShellExecutorOptions = {}) {
    this.#gracefulKillMs = options.gracefulKillMs ?? DEFAULT_GRACEFUL_KILL_MS
    this.#forceKillMs = options.forceKillMs ?? DEFAULT_FORCE_KILL_MS
  }

  get hostProjectDir(): string | undefined {
    return this.#projectDir
  }

  async prepare(options: PrepareOptions): Promise<void> {
    if (options.shell !== 'bash' && options.shell !== 'sh') {
      throw new GlrunnerError('GLR_SHELL_UNSUPPORTED', `shell ${options.shell} is not supported by the shell executor`, {
        failureReason: 'runner_configuration_error',
        hint: 'set shell = "bash" or shell = "sh" in [[runners]]',
      })
    }

    this.#projectDir = options.paths.projectDir
    options.log.println(`Using Shell (${options.shell}) executor...`)
  }

  async run(options: RunOptions): Promise<void> {
    let result
    try {
      result = await runProcessTree({
        command: options.shell,
        args: ['-l'],
        input: options.script,
        env: process.env,
        stdout: options.stdout,
        stderr: options.stderr,
        signal: options.signal,
        gracefulKillMs: this.#gracefulKillMs,
        forceKillMs: this.#forceKillMs,
      })
    } catch (err) {
      throw new GlrunnerError('GLR_SHELL_START', `starting ${options.shell}`, { cause: err })
    }

    if (result.gaveUp) {
      throw new GlrunnerError('GLR_PROCESS_DORMANT', `failed to kill process PID=${result.pid}, likely process is dormant`)
    }
    if (result.signal !== null) {
      throw new ScriptExitError(-1, `signal: ${SIGNAL_WORDS[result.signal] ?? result.signal}`)
    }
    if (result.code !== 0 && result.code !== null) {
      throw new ScriptExitError(result.code, `exit status ${result.code}`)
    }
  }

  async cleanup(): Promise<void> {
    // Nothing to release: every stage's process tree is gone when run() returns.
  }
}
