/**
 * What `glrunner run` and `run-single` add around the RunnerManager for operators:
 * the metrics endpoint, saved job payloads, config reload and scheduled cleanup. Set up in
 * two steps because the manager needs the observer at construction, and the extras need
 * the manager once it exists.
 */
import type { GlobalConfig } from '../config/runner-config.js'
import type { Logger } from '../core/logger.js'
import type { JobWatch, ManagerObserver, RunnerManager } from '../manager/runner-manager.js'
import { metricsSettings } from '../metrics/metrics-config.js'
import { startMetricsServer, type MetricsServer } from '../metrics/metrics-server.js'
import { RunnerMetrics } from '../metrics/runner-metrics.js'

export interface AgentExtrasOptions {
  config: GlobalConfig
  systemId: string
  logger: Logger
  /** --listen-address, which wins over the file's listen_address. */
  listenAddress?: string
  /** Further observers (saved payloads). */
  observers?: ManagerObserver[]
}

export interface AgentExtras {
  /** Counts warnings and errors when metrics are on; else the logger given. */
  logger: Logger
  observer: ManagerObserver
  metrics: RunnerMetrics | undefined
  /** Starts what needs the manager (the HTTP endpoint); resolves once listening. */
  start(manager: RunnerManager): Promise<void>
  /** Validates the tables the extras read from a reloaded file; throws a ConfigError. */
  check(config: GlobalConfig): void
  /** The endpoint's URL once started. */
  readonly metricsUrl: string | undefined
  stop(): Promise<void>
}

export function prepareAgentExtras(o: AgentExtrasOptions): AgentExtras {
  const listenAddress = o.listenAddress || o.config.listen_address || undefined
  // Validated even without an address, so a typo in [metrics] fails at start, not later.
  const settings = metricsSettings(o.config.extra)
  let manager: RunnerManager | undefined
  const metrics = listenAddress
    ? new RunnerMetrics({ systemId: o.systemId, config: () => manager?.config ?? o.config, stageHistograms: settings.stageHistograms })
    : undefined
  const observers = [...(metrics ? [metrics.observer()] : []), ...(o.observers ?? [])]
  let server: MetricsServer | undefined

  return {
    logger: metrics ? metrics.countingLogger(o.logger) : o.logger,
    observer: combineObservers(observers),
    metrics,
    check(config) {
      metricsSettings(config.extra)
    },
    get metricsUrl() {
      return server?.url
    },
    async start(started) {
      manager = started
      if (!metrics || !listenAddress) return
      server = await startMetricsServer({
        listenAddress,
        registry: metrics.registry,
        ...(settings.token ? { token: settings.token } : {}),
        health: () => ({ healthy: started.state !== 'stopped', details: { state: started.state, jobs: started.activeJobs } }),
      })
      o.logger.info('serving metrics', { url: `${server.url}/metrics`, health: `${server.url}/health`, authentication: settings.token ? 'bearer token' : 'none' })
    },
    async stop() {
      await server?.close()
    },
  }
}

/** One observer calling each of `observers` in turn. */
export function combineObservers(observers: ManagerObserver[]): ManagerObserver {
  return {
    requestFinished: (event) => {
      for (const observer of observers) observer.requestFinished?.(event)
    },
    apiRequestFinished: (event) => {
      for (const observer of observers) observer.apiRequestFinished?.(event)
    },
    jobReceived: (event) => {
      const watches = observers.map((observer) => observer.jobReceived?.(event)).filter((watch): watch is JobWatch => watch !== undefined)
      if (watches.length === 0) return undefined

      return {
        wrapTrace: (store) => watches.reduce((wrapped, watch) => watch.wrapTrace?.(wrapped) ?? wrapped, store),
        finished: (outcome) => {
          for (const watch of watches) watch.finished?.(outcome)
        },
      }
    },
  }
}
