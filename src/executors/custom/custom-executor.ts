/**
 * The custom executor: the user's own driver executables create, use and destroy the build
 * environment (executors.md 6). glrunner writes each stage's script to a file and hands its
 * path to run_exec; the driver decides where it runs. The build's files are out of the
 * runner's reach, so runner-side cache and artifact stages are not offered.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { ConfigError, formatError, GlrunnerError, ScriptExitError } from '../../core/errors.js'
import { RUNNER_STREAM, type JobLog } from '../../engine/job-log/types.js'
import type { JobPayload } from '../../gitlab/job-payload.js'
import type {
  ConfigureOptions,
  Executor,
  ExecutorJobSettings,
  PrepareOptions,
  RunOptions,
} from '../executor.js'
import { parseConfigOutput, usingLine, type ConfigOutput } from './config-output.js'
import { customSettings, type CustomSettings } from './custom-settings.js'
import { driverEnv, EXIT_CODE_FILE, fallbackVariables, RESPONSE_FILE } from './driver-env.js'
import { runDriver, type DriverResult } from './driver-process.js'
import { driverExitError, type DriverPhase } from './exit-status.js'

export const BUILD_SCRIPT_WARNING =
  "Starting with version 17.0 the 'build_script' stage will be replaced with 'step_script': https://gitlab.com/groups/gitlab-org/-/epics/6112"

export class CustomExecutor implements Executor {
  readonly hostProjectDir = undefined
  #settings: CustomSettings | undefined
  #tmpDir: string | undefined
  #config: ConfigOutput | undefined
  #log: JobLog | undefined
  #env: NodeJS.ProcessEnv | undefined

  /** Runs config_exec (once per job) and returns what it overrides. */
  async configure(options: ConfigureOptions): Promise<ExecutorJobSettings> {
    this.#log = options.log
    const settings = (this.#settings ??= customSettings(options.runner))
    const tmpDir = await this.#ensureTmpDir(options.payload)
    // Paths are not known yet: config_exec (and a cleanup after a failed prepare) see the
    // payload's variables only.
    this.#env = driverEnv({ tmpDir, jobEnv: {}, variables: fallbackVariables(options.payload), payload: options.payload })
    let output: ConfigOutput = {}
    if (settings.config !== undefined) {
      const stdout: Buffer[] = []
      const stderr = options.log.stream(RUNNER_STREAM, 'E')
      await this.#driver('config_exec', 'prepare', {
        command: settings.config, env: this.#env, signal: options.signal, ownTimeout: true,
        stdout: (chunk) => stdout.push(chunk), stderr: (chunk) => stderr.write(chunk),
      }).finally(() => stderr.flush())
      output = parseConfigOutput(Buffer.concat(stdout).toString('utf8'))
    }
    this.#config = output

    return {
      ...(output.builds_dir ? { buildsDir: output.builds_dir } : {}),
      ...(output.cache_dir ? { cacheDir: output.cache_dir } : {}),
      ...(output.builds_dir_is_shared !== undefined ? { sharedBuildsDir: output.builds_dir_is_shared } : {}),
      ...(output.shell ? { shell: output.shell as ExecutorJobSettings['shell'] } : {}),
      ...(output.hostname ? { hostname: output.hostname } : {}),
    }
  }

  async prepare(options: PrepareOptions): Promise<void> {
    if (this.#config === undefined) await this.configure(options)
    const config = this.#config ?? {}
    const settings = this.#settings as CustomSettings
    this.#log = options.log
    checkDirs(options, config)
    options.log.println(usingLine(config))

    const tmpDir = this.#tmpDir as string
    const variables = options.variables ?? fallbackVariables(options.payload, options.paths)
    this.#env = driverEnv({ tmpDir, jobEnv: config.job_env ?? {}, variables, payload: options.payload })
    if (settings.prepare === undefined) return

    const stdout = options.log.stream(RUNNER_STREAM, 'O')
    const stderr = options.log.stream(RUNNER_STREAM, 'E')
    try {
      await this.#driver('prepare_exec', 'prepare', {
        command: settings.prepare, env: this.#env, signal: options.signal, ownTimeout: true,
        stdout: (chunk) => stdout.write(chunk), stderr: (chunk) => stderr.write(chunk),
      })
    } finally {
      stdout.flush()
      stderr.flush()
    }
  }

  async run(options: RunOptions): Promise<void> {
    const settings = this.#settings
    const tmpDir = this.#tmpDir
    const env = this.#env
    if (settings === undefined || tmpDir === undefined || env === undefined) {
      throw new Error('custom executor: run() before prepare()')
    }

    let stage: string = options.stage
    if (stage === 'step_script') {
      stage = 'build_script'
      this.#log?.warning(BUILD_SCRIPT_WARNING)
    }
    // Each call gets its own directory; files stay until cleanup removes the temp dir.
    const scriptDir = await mkdtemp(join(tmpDir, 'script'))
    const scriptPath = join(scriptDir, options.shell === 'pwsh' || options.shell === 'powershell' ? 'script.ps1' : 'script')
    await writeFile(scriptPath, options.script, { mode: 0o700 })
    await chmod(scriptPath, 0o700)
    await rm(join(tmpDir, EXIT_CODE_FILE), { force: true })

    await this.#driver('run_exec', 'run', {
      command: settings.run, extraArgs: [scriptPath, stage], env, signal: options.signal, ownTimeout: false,
      stdout: options.stdout, stderr: options.stderr,
    })
  }

  async cleanup(): Promise<void> {
    const settings = this.#settings
    const tmpDir = this.#tmpDir
    if (tmpDir === undefined) return

    if (settings?.cleanup !== undefined) {
      const stderr: Buffer[] = []
      try {
        await this.#driver('cleanup_exec', 'prepare', {
          command: settings.cleanup, env: this.#env ?? process.env, ownTimeout: true,
          // The official runner sends these to its own log, not the job log.
          stdout: () => undefined, stderr: (chunk) => stderr.push(chunk),
        })
      } catch (err) {
        this.#log?.warning(`Cleanup script failed: ${formatError(err)}`)
      }
    }
    await rm(tmpDir, { recursive: true, force: true }).catch(() => undefined)
    this.#tmpDir = undefined
  }

  async #ensureTmpDir(payload: JobPayload): Promise<string> {
    if (this.#tmpDir !== undefined) return this.#tmpDir
    const dir = await mkdtemp(join(tmpdir(), 'custom-executor'))
    this.#tmpDir = dir
    await writeFile(join(dir, RESPONSE_FILE), `${JSON.stringify(payload)}\n`, { mode: 0o600 })

    return dir
  }

  async #driver(
    name: string,
    phase: DriverPhase,
    options: Omit<Parameters<typeof runDriver>[0], 'name' | 'cwd' | 'gracefulKillMs' | 'forceKillMs'>,
  ): Promise<DriverResult> {
    const settings = this.#settings as CustomSettings
    const tmpDir = this.#tmpDir as string
    const result = await runDriver({ ...options, name, cwd: tmpDir, gracefulKillMs: settings.gracefulKillMs, forceKillMs: settings.forceKillMs })
    if (result.timedOut) {
      throw new GlrunnerError('GLR_CUSTOM_TIMEOUT', `${name} did not finish within ${options.command.timeoutMs / 1000} s`, {
        hint: `raise ${name}_timeout in [runners.custom] or fix the driver`,
      })
    }
    if (result.signal !== null) {
      if (phase === 'run') throw new ScriptExitError(-1, `signal: ${result.signal === 'SIGKILL' ? 'killed' : result.signal}`)
      throw new GlrunnerError('GLR_CUSTOM_SIGNAL', `${name} was stopped by ${result.signal}`)
    }
    const error = await driverExitError(result.code ?? 0, join(tmpDir, EXIT_CODE_FILE), phase)
    if (error !== undefined) throw error

    return result
  }
}

/** builds/cache dirs must come from config or config_exec, and agree with the job's paths. */
function checkDirs(options: PrepareOptions, config: ConfigOutput): void {
  const { runner, paths } = options
  const buildsDir = config.builds_dir || runner.builds_dir
  const cacheDir = config.cache_dir || runner.cache_dir
  if (!buildsDir) throw new ConfigError('the builds_dir is not configured', { hint: hintFor('builds_dir') })
  if (!cacheDir) throw new ConfigError('the cache_dir is not configured', { hint: hintFor('cache_dir') })

  // The engine computes the paths from configure()'s result; a caller that skipped
  // configure() used the runner's builds_dir, and a different one from config_exec would
  // send the scripts elsewhere.
  if (config.builds_dir && posix.normalize(config.builds_dir) !== posix.normalize(paths.buildsDir)) {
    throw new ConfigError(
      `config_exec's builds_dir ${JSON.stringify(config.builds_dir)} differs from the job's builds dir ${JSON.stringify(paths.buildsDir)}`,
      { hint: 'set the same builds_dir in [[runners]]' },
    )
  }
  if (config.shell && config.shell !== options.shell) {
    throw new ConfigError(`config_exec's shell ${JSON.stringify(config.shell)} differs from the job's shell ${JSON.stringify(options.shell)}`, {
      hint: 'set the same shell in [[runners]]',
    })
  }
}

function hintFor(key: string): string {
  return `set ${key} in [[runners]] or print it from config_exec`
}
