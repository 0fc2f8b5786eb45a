/**
 * The shell executor: every stage is a new login shell (`bash -l` / `sh -l`) on this
 * machine, reading the generated script from stdin, in its own session and process
 * group so that a stop reaches everything the job started. pwsh/powershell read it from
 * stdin too, or from a `.ps1` with -File under FF_DISABLE_POWERSHELL_STDIN (executors.md 2.1, 3.1).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ShellName } from '../../config/runner-config.js'
import { GlrunnerError, ScriptExitError } from '../../core/errors.js'
import type { JobLog } from '../../engine/job-log/types.js'
import { resolveFeatureFlags } from '../../engine/variables/feature-flags.js'
import { pwshFileInvocation, pwshScriptBytes, pwshStdinInvocation } from '../../shells/pwsh.js'
import type { Executor, PrepareOptions, RunOptions } from '../executor.js'
import { runProcessTree } from './process-tree.js'

const SHELLS: readonly ShellName[] = ['bash', 'sh', 'pwsh', 'powershell']

export interface ShellExecutorOptions {
  /** Wait between SIGTERM and SIGKILL; the official runner waits 10 minutes. */
  gracefulKillMs?: number
  /** Wait after SIGKILL before giving up on a dormant process. */
  forceKillMs?: number
  /**
   * bash/sh start as login shells (`-l`), as the official runner's do, so a service's bare
   * environment gets the profile's PATH. `glrunner exec` turns it off: there the runner
   * already has the environment of the user's terminal, which a profile would only reset.
   */
  loginShell?: boolean
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
  #powershellFiles = false
  #log: JobLog | undefined
  readonly #gracefulKillMs: number
  readonly #forceKillMs: number
  readonly #loginShell: boolean

  constructor(options: ShellExecutorOptions = {}) {
    this.#gracefulKillMs = options.gracefulKillMs ?? DEFAULT_GRACEFUL_KILL_MS
    this.#forceKillMs = options.forceKillMs ?? DEFAULT_FORCE_KILL_MS
    this.#loginShell = options.loginShell ?? true
  }

  get hostProjectDir(): string | undefined {
    return this.#projectDir
  }

  async prepare(options: PrepareOptions): Promise<void> {
    if (!SHELLS.includes(options.shell)) {
      throw new GlrunnerError('GLR_SHELL_UNSUPPORTED', `shell ${options.shell} is not supported by the shell executor`, {
        failureReason: 'runner_configuration_error',
        hint: 'set shell = "bash", "sh", "pwsh" or "powershell" in [[runners]]',
      })
    }

    // The engine generated the scripts for the same flag (engine/pwsh-scripts.ts).
    const jobValue = (name: string): string | undefined => options.variables?.findLast((item) => item.key === name)?.value
    this.#powershellFiles = resolveFeatureFlags({ config: options.runner.feature_flags, jobValue }).flags.FF_DISABLE_POWERSHELL_STDIN
    this.#log = options.log
    this.#projectDir = options.paths.projectDir
    options.log.println(`Using Shell (${options.shell}) executor...`)
  }

  async run(options: RunOptions): Promise<void> {
    const powershell = options.shell === 'pwsh' || options.shell === 'powershell'
    const scriptDir = powershell && this.#powershellFiles ? await mkdtemp(join(tmpdir(), 'build_script')) : undefined
    try {
      await this.#run(options, scriptDir)
    } finally {
      if (scriptDir !== undefined) {
        await rm(scriptDir, { recursive: true, force: true }).catch((err: unknown) => {
          this.#log?.warning(`Failed to remove build script directory ${scriptDir} ${(err as Error).message}`)
        })
      }
    }
  }

  /** How the stage's shell starts: (login) shell on stdin, pwsh per executors.md 3.1. */
  async #invocation(options: RunOptions, scriptDir: string | undefined): Promise<{ command: string; args: string[]; input: string }> {
    if (options.shell !== 'pwsh' && options.shell !== 'powershell') return { command: options.shell, args: this.#loginShell ? ['-l'] : [], input: options.script }
    if (scriptDir === undefined) return { ...pwshStdinInvocation(options.shell), input: options.script }

    const file = join(scriptDir, 'script.ps1')
    await writeFile(file, pwshScriptBytes(options.script, { shell: options.shell, fileMode: true }), { mode: 0o700 })

    return { ...pwshFileInvocation(options.shell, file), input: '' }
  }

  async #run(options: RunOptions, scriptDir: string | undefined): Promise<void> {
    const invocation = await this.#invocation(options, scriptDir)
    let result
    try {
      result = await runProcessTree({
        command: invocation.command,
        args: invocation.args,
        input: invocation.input,
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
