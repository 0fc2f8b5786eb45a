/**
 * The SSH executor: one connection per job, one exec channel per stage running the
 * configured login shell with the generated script on stdin (executors.md 5). The builds
 * dir is on the remote host; files reach the runner's cache and artifact helpers through
 * `files` (tar over the same connection).
 */
import type { Client } from 'ssh2'
import type { ShellName } from '../../config/runner-config.js'
import { pwshStdinInvocation } from '../../shells/pwsh.js'
import { quotePosix } from '../../shells/quote.js'
import { ConfigError, GlrunnerError, ScriptExitError } from '../../core/errors.js'
import type { BuildFileTransfer, Executor, PrepareOptions, RunOptions } from '../executor.js'
import { connectSsh } from './ssh-connect.js'
import { SshFileTransfer } from './ssh-file-transfer.js'
import { sshSettings } from './ssh-settings.js'
import { runRemote } from './remote-process.js'

export interface SshExecutorOptions {
  /** Wait between TERM and KILL of the remote group; the shell executor's 10 minutes. */
  gracefulKillMs?: number
  /** Wait after KILL before giving up. */
  forceKillMs?: number
}

const SHELLS: readonly ShellName[] = ['bash', 'sh', 'pwsh', 'powershell']

/**
 * The remote command line of a stage's shell: a login shell for bash/sh; PowerShell in
 * stdin mode (file mode is refused for ssh, executors.md 3.1).
 */
export function remoteShellCommand(shell: ShellName): string {
  if (shell !== 'pwsh' && shell !== 'powershell') return `${shell} -l`
  const { command, args } = pwshStdinInvocation(shell)

  return [command, ...args].map(quotePosix).join(' ')
}

export const DEFAULT_GRACEFUL_KILL_MS = 10 * 60_000
export const DEFAULT_FORCE_KILL_MS = 10_000

export class SshExecutor implements Executor {
  readonly hostProjectDir = undefined
  #client: Client | undefined
  #files: SshFileTransfer | undefined
  readonly #gracefulKillMs: number
  readonly #forceKillMs: number

  constructor(options: SshExecutorOptions = {}) {
    this.#gracefulKillMs = options.gracefulKillMs ?? DEFAULT_GRACEFUL_KILL_MS
    this.#forceKillMs = options.forceKillMs ?? DEFAULT_FORCE_KILL_MS
  }

  get files(): BuildFileTransfer | undefined {
    return this.#files
  }

  async prepare(options: PrepareOptions): Promise<void> {
    options.log.println('Using SSH executor...')
    if (!SHELLS.includes(options.shell)) {
      throw new ConfigError(`shell ${options.shell} is not supported by the ssh executor`, { hint: 'set shell = "bash", "sh", "pwsh" or "powershell"' })
    }
    const settings = sshSettings(options.runner)

    this.#client?.end()
    this.#client = await connectSsh(settings, options.signal)
    this.#files = new SshFileTransfer(this.#client, options.paths.projectDir)
  }

  async run(options: RunOptions): Promise<void> {
    const client = this.#client
    if (client === undefined) throw new Error('ssh executor: run() before prepare()')

    let result
    try {
      result = await runRemote({
        client,
        shellCommand: remoteShellCommand(options.shell),
        input: options.script,
        stdout: options.stdout,
        stderr: options.stderr,
        signal: options.signal,
        gracefulKillMs: this.#gracefulKillMs,
        forceKillMs: this.#forceKillMs,
      })
    } catch (err) {
      throw new GlrunnerError('GLR_SSH_SESSION', `starting the remote ${options.shell}`, { cause: err })
    }

    if (result.gaveUp) {
      throw new GlrunnerError('GLR_PROCESS_DORMANT', 'failed to kill the remote process group, likely process is dormant')
    }
    if (result.code === 0) return
    if (result.code !== null) throw new ScriptExitError(result.code, `Process exited with status ${result.code}`)
    if (result.signal !== null) throw new ScriptExitError(-1, `Process exited with signal ${result.signal}`)
    throw new GlrunnerError('GLR_SSH_NO_EXIT', 'wait: remote command exited without exit status or exit signal')
  }

  async cleanup(): Promise<void> {
    this.#client?.end()
    this.#client = undefined
    this.#files = undefined
  }
}
