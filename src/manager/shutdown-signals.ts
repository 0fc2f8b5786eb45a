/**
 * Process signals for the agent (spec 8.7): SIGQUIT drains (no new jobs, held requests
 * aborted, running jobs finish); SIGTERM/SIGINT abort running jobs and give them
 * `shutdown_timeout` to report; any signal during a forceful stop exits at once.
 */
import type { Logger } from '../core/logger.js'
import type { RunnerManager } from './runner-manager.js'

export interface ShutdownSignalOptions {
  logger: Logger
  shutdownTimeoutMs: number
  /** Exits the process (injectable for tests). */
  exit?: (code: number) => void
}

/** Installs the handlers; returns a function that removes them. */
export function installShutdownSignals(manager: RunnerManager, o: ShutdownSignalOptions): () => void {
  const exit = o.exit ?? ((code: number) => process.exit(code))
  let mode: 'none' | 'graceful' | 'forceful' = 'none'
  let timer: NodeJS.Timeout | undefined

  const forceful = (signal: string): void => {
    mode = 'forceful'
    manager.stopForcefully(signal)
    timer = setTimeout(() => {
      o.logger.error('jobs did not finish within shutdown_timeout, exiting', { timeoutMs: o.shutdownTimeoutMs })
      exit(1)
    }, o.shutdownTimeoutMs)
    timer.unref()
  }

  const onSignal = (signal: NodeJS.Signals): void => {
    if (mode === 'forceful') {
      o.logger.warn('second signal, exiting now', { signal })
      exit(1)

      return
    }
    if (signal === 'SIGQUIT') {
      if (mode === 'none') o.logger.info('graceful shutdown requested', { signal })
      mode = 'graceful'
      manager.stopGracefully()

      return
    }
    o.logger.info('forceful shutdown requested', { signal })
    forceful(signal)
  }

  const signals: NodeJS.Signals[] = ['SIGQUIT', 'SIGTERM', 'SIGINT']
  for (const signal of signals) process.on(signal, onSignal)

  return () => {
    clearTimeout(timer)
    for (const signal of signals) process.off(signal, onSignal)
  }
}
