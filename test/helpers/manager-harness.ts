/**
 * Starts a RunnerManager in-process against a test server, with short intervals and a
 * logger whose JSON lines the test can read (to check, e.g., that no token is logged).
 */
import { Writable } from 'node:stream'
import { defaultGlobalConfig, defaultRunnerConfig, type GlobalConfig, type RunnerConfig } from '../../src/config/runner-config.js'
import { createLogger } from '../../src/core/logger.js'
import type { BuildRequest, BuildResult } from '../../src/engine/types.js'
import { getExecutorProvider } from '../../src/executors/registry.js'
import type { JobOutcome } from '../../src/manager/job-runner.js'
import { RunnerManager, type ManagerOptions } from '../../src/manager/runner-manager.js'

export const RUNNER_TOKEN = 'glrt-t1_SuperSecretRunnerToken123'

export interface Harness {
  manager: RunnerManager
  logs: () => string
  outcomes: JobOutcome[]
  stop: () => Promise<void>
}

export interface HarnessOptions {
  url: string
  runBuild: (request: BuildRequest) => Promise<BuildResult>
  runners?: Array<Partial<RunnerConfig>>
  global?: Partial<GlobalConfig>
  checkIntervalMs?: number
  manager?: Partial<ManagerOptions>
}

export function startManager(o: HarnessOptions): Harness {
  let text = ''
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString()
      done()
    },
  })
  const logger = createLogger({ level: 'debug', format: 'json', destination: sink })
  const runners = (o.runners ?? [{}]).map((overrides, index) =>
    defaultRunnerConfig({ name: `runner-${index}`, url: o.url, token: RUNNER_TOKEN, executor: 'shell', ...overrides }),
  )
  const outcomes: JobOutcome[] = []
  const manager = new RunnerManager({
    config: defaultGlobalConfig({ concurrent: 1, runners, ...o.global }),
    systemId: 's_0123456789ab',
    logger,
    runBuild: o.runBuild,
    resolveExecutor: getExecutorProvider,
    onJobFinished: (outcome) => outcomes.push(outcome),
    timing: {
      checkIntervalMs: o.checkIntervalMs ?? 100,
      retryBackoffMinMs: 2,
      artifactsRetryBackoffMinMs: 2,
      trace: { updateIntervalMs: 20, forceSendIntervalMs: 10_000, intervalUnitMs: 10, finalBackoffMinMs: 5 },
    },
    ...o.manager,
  })
  manager.start()

  return {
    manager,
    logs: () => text,
    outcomes,
    stop: async () => {
      manager.stopForcefully('SIGTERM')
      await manager.done
      await manager.close()
    },
  }
}
