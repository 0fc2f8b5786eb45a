/**
 * glrunner as a separate process (`glrunner run-single`, built or through tsx: see
 * glrunner-command.ts), so its RSS and CPU
 * can be read from /proc without the harness and the coordinator mixed in.
 */
import { glrunnerCommand } from './glrunner-command.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Coordinator } from '../../src/coordinator/index.js'
import { BenchError } from './bench-error.js'
import { readProcStats, resetPeakRss, type ProcStats } from './proc-stats.js'

export interface RunnerProcessOptions {
  root: string
  coordinator: Coordinator
  runner: { id: number; token: string }
  buildsDir: string
  /** Also where its log file goes. */
  workDir: string
  checkIntervalSeconds: number
  /** Jobs at once (run-single's --limit is also `concurrent`). */
  limit?: number
  outputLimitKiB?: number
  /** How long start-up (tsx compiling the sources) may take. */
  startTimeoutMs?: number
  /** `--executor`; shell by default. */
  executor?: string
}

export class RunnerProcess {
  private exited: Promise<void>

  private constructor(
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()))
  }

  get pid(): number {
    return this.child.pid as number
  }

  /** Spawns the runner and resolves once it asked the coordinator for a job. */
  static async start(o: RunnerProcessOptions): Promise<RunnerProcess> {
    const logFile = join(o.workDir, `runner-${o.runner.id}.log`)
    const log = createWriteStream(logFile)
    const args = [
      ...glrunnerCommand(o.root).nodeArgs,
      '--log-level', 'warn', '--log-format', 'json',
      'run-single', '--url', o.coordinator.url, '--executor', o.executor ?? 'shell',
      '--builds-dir', o.buildsDir,
      '--limit', String(o.limit ?? 1),
      '--check-interval', String(o.checkIntervalSeconds),
      '--output-limit', String(o.outputLimitKiB ?? 4096),
      '--shutdown-timeout', '5',
    ]
    // An empty HOME: jobs start login shells, and this machine's ~/.profile (pyenv, cargo…)
    // is not glrunner's cost to measure. The token goes through the environment so it does
    // not show in `ps`.
    const home = join(o.workDir, 'runner-home')
    await mkdir(home, { recursive: true })
    const child = spawn(process.execPath, args, {
      cwd: o.root,
      env: { ...process.env, HOME: home, CI_SERVER_TOKEN: o.runner.token, RUNNER_NAME: `bench-${o.runner.id}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout?.pipe(log)
    child.stderr?.pipe(log)
    const runner = new RunnerProcess(child, logFile)
    await runner.waitForContact(o.coordinator, o.runner.id, o.startTimeoutMs ?? 60_000)

    return runner
  }

  private async waitForContact(coordinator: Coordinator, runnerId: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let gone = false
    void this.exited.then(() => (gone = true))
    while ((coordinator.runner(runnerId)?.managers.size ?? 0) === 0) {
      if (gone) throw new BenchError(`the runner process exited before asking for a job (log: ${this.logFile})`)
      if (Date.now() > deadline) {
        await this.stop()
        throw new BenchError(`the runner process did not ask for a job within ${timeoutMs} ms (log: ${this.logFile})`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  stats(): ProcStats {
    return readProcStats(this.pid)
  }

  /** Starts a new peak-RSS window; false when the kernel does not allow it. */
  resetPeak(): boolean {
    return resetPeakRss(this.pid)
  }

  /** SIGTERM (jobs aborted), SIGKILL if it is still there after 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000)
    await this.exited
    clearTimeout(timer)
  }
}
