/**
 * The one contract every executor implements. The engine owns stage order, timeouts,
 * cancellation, the job log and failure reasons; an executor owns only where and how a
 * generated script runs (a local process, a container, an SSH session, a custom driver,
 * a Kubernetes pod).
 */
import type { JobPayload } from '../gitlab/job-payload.js'
import type { RunnerConfig, ShellName } from '../config/runner-config.js'
import type { JobLog } from '../engine/job-log/types.js'
import type { StageId } from '../engine/stages.js'
import type { Logger } from '../core/logger.js'

/** Paths as seen by the scripts, i.e. inside the execution environment. */
export interface BuildPaths {
  buildsDir: string
  projectDir: string
  /** `<projectDir>.tmp`: file variables, git template, env file. */
  tmpDir: string
  cacheDir: string
}

export interface PrepareOptions {
  payload: JobPayload
  runner: RunnerConfig
  paths: BuildPaths
  shell: ShellName
  log: JobLog
  /** Aborted on job timeout, cancel or runner shutdown. */
  signal: AbortSignal
  /**
   * The job's expanded variables in order (file variables with their content). Executors
   * that hand variables to outside programs use it (custom: CUSTOM_ENV_*); when absent
   * they fall back to the payload's variables.
   */
  variables?: readonly { key: string; value: string; file: boolean }[]
  /**
   * Who runs the job: the runner's system id and the job's slots. Executors that name
   * objects after them (docker volumes and networks) use it; absent when the caller does
   * not know them.
   */
  identity?: ExecutorJobIdentity
}

/** The runner and slot identity of one job (the engine's RunnerIdentity). */
export interface ExecutorJobIdentity {
  systemId: string
  /** CI_CONCURRENT_ID. */
  concurrentId: number
  /** CI_CONCURRENT_PROJECT_ID. */
  concurrentProjectId: number
  shortToken: string
}

/** What configure() needs: the job, before paths and variables exist. */
export interface ConfigureOptions {
  payload: JobPayload
  runner: RunnerConfig
  log: JobLog
  signal: AbortSignal
}

/**
 * Per-job settings an executor learns from outside before the job's paths are computed
 * (the custom executor's config_exec). Each field, when set, replaces the runner config
 * and the provider default for this job.
 */
export interface ExecutorJobSettings {
  buildsDir?: string
  cacheDir?: string
  /** `<builds>/<short token>/<concurrent id>/<slug>` layout when true. */
  sharedBuildsDir?: boolean
  shell?: ShellName
  /** Shown as `Running on <host> via <hostname>...`. */
  hostname?: string
}

export interface RunOptions {
  stage: StageId
  /** The complete generated script for this stage. */
  script: string
  shell: ShellName
  /**
   * True for stages the official runner runs in its helper environment (sources, cache,
   * artifacts, cleanup); false for user steps and after_script. Container executors use
   * it to pick the container; local executors ignore it.
   */
  predefined: boolean
  /** Script output goes here (stdout and stderr as separate streams). */
  stdout: (chunk: Buffer) => void
  stderr: (chunk: Buffer) => void
  /**
   * Aborting terminates the whole process tree of the stage (TERM, then KILL after a
   * grace period). run() must not return before the tree is gone or given up on.
   */
  signal: AbortSignal
}

export interface Executor {
  /**
   * Optional first call, before the engine computes paths and variables; the result
   * overrides builds/cache dir, layout and shell for this job. An executor that has it
   * must also work when the engine does not call it (prepare() then calls it itself).
   */
  configure?(options: ConfigureOptions): Promise<ExecutorJobSettings>
  /** Sets up the environment (connects, pulls images, creates containers). May log. */
  prepare(options: PrepareOptions): Promise<void>
  /**
   * Runs one stage's script. Resolves when it exits 0; rejects with a ScriptExitError
   * carrying the exit code and the executor's wording otherwise, or with a GlrunnerError
   * for infrastructure failures (runner_system_failure).
   */
  run(options: RunOptions): Promise<void>
  /** Releases everything prepare() created. Must not throw; called once, always. */
  cleanup(): Promise<void>
  /**
   * The project directory as a path on the runner's own file system, when the build's
   * files are directly reachable there (shell executor). Runner-side helpers (cache,
   * artifacts) then work on it in-process; other executors will offer a file-transfer
   * channel instead (docker archive API, SFTP).
   */
  readonly hostProjectDir: string | undefined
  /**
   * For executors whose files the runner cannot reach directly (containers, SSH hosts):
   * moves files between the build environment's project dir and a local folder, so the
   * runner-side cache and artifact helpers can work on a local mirror. Undefined when
   * hostProjectDir is set.
   */
  readonly files?: BuildFileTransfer
}

/** Copies files in and out of the build environment's project directory. */
export interface BuildFileTransfer {
  /**
   * Copies these paths (relative to the project dir; directories recursively, symlinks as
   * symlinks; missing ones skipped) into `localDir`, keeping their relative layout.
   * `['.']` copies the whole project dir.
   */
  download(paths: string[], localDir: string, signal: AbortSignal): Promise<void>
  /** Copies the contents of `localDir` into the project dir (overwriting files, keeping others). */
  upload(localDir: string, signal: AbortSignal): Promise<void>
}

/** What ExecutorProvider.startup() gets: one `[[runners]]` entry and the process log. */
export interface ExecutorStartupOptions {
  runner: RunnerConfig
  logger: Logger
}

export interface ExecutorProvider {
  readonly name: string
  readonly defaultShell: ShellName
  readonly supportedShells: readonly ShellName[]
  /** Builds dir layout `<builds>/<short token>/<concurrent id>/<slug>` when true. */
  readonly sharedBuildsDir: boolean
  /** CI_SHARED_ENVIRONMENT vs CI_DISPOSABLE_ENVIRONMENT. */
  readonly environment: 'shared' | 'disposable'
  /** Default builds/cache roots when config leaves them empty. */
  defaultDirs(runner: RunnerConfig): { buildsDir: string; cacheDir: string }
  /** Features this executor adds to the runner's `info.features`. */
  readonly features: Readonly<Record<string, boolean>>
  create(): Executor
  /**
   * Optional: called when a runner manager starts using this provider for a runner entry
   * (may be called once per entry; the provider does its work once per process and engine).
   * For start-up housekeeping such as removing leftovers of crashed jobs. Never throws;
   * problems go to the process log.
   */
  startup?(options: ExecutorStartupOptions): Promise<void>
}
