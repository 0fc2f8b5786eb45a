/**
 * The manager's live state for one `[[runners]]` entry: its API client, what it has in
 * flight, and its health (spec 8.3, 8.4).
 */
import type { RunnerConfig } from '../config/runner-config.js'
import type { Logger } from '../core/logger.js'
import { shortToken } from '../core/tokens.js'
import type { ExecutorProvider } from '../executors/executor.js'
import { createApiClient, type ApiClient, type ApiRequestEvent } from '../gitlab/api-client.js'
import { buildRunnerInfo, type RunnerInfo } from '../gitlab/runner-info.js'
import { SlotAllocator } from './slot-allocator.js'

export class RunnerEntry {
  readonly client: ApiClient
  readonly info: RunnerInfo
  readonly logger: Logger
  runningJobs = 0
  inflightRequests = 0
  readonly requestAborts = new Set<AbortController>()
  unhealthyCount = 0
  /** Epoch ms until which the feeder skips this entry (0 = not skipped). */
  skipUntil = 0
  readonly concurrentIds = new SlotAllocator()
  readonly projectIds = new SlotAllocator()

  constructor(
    readonly config: RunnerConfig,
    readonly provider: ExecutorProvider | undefined,
    logger: Logger,
    clientOptions: { retryBackoffMinMs?: number; onApiRequest?: (runner: RunnerConfig, event: ApiRequestEvent) => void } = {},
  ) {
    this.logger = logger.child({ runner: shortToken(config.token).slice(0, 8), name: config.name || undefined })
    this.client = createApiClient({
      url: config.url,
      tlsCaFile: config['tls-ca-file'] || undefined,
      tlsCertFile: config['tls-cert-file'] || undefined,
      tlsKeyFile: config['tls-key-file'] || undefined,
      logger: this.logger,
      retryBackoffMinMs: clientOptions.retryBackoffMinMs,
      // this.config, not the argument: token rotation updates it in place.
      onRequestFinished: (event) => clientOptions.onApiRequest?.(this.config, event),
    })
    this.info = buildRunnerInfo({
      executor: config.executor,
      shell: config.shell || provider?.defaultShell,
      features: { ...(provider?.features ?? {}) },
    })
  }

  get requestConcurrency(): number {
    return Math.max(1, this.config.request_concurrency || 1)
  }

  /** Records a job request's health; returns true when the entry just got paused. */
  recordHealth(healthy: boolean, now: number): boolean {
    if (healthy) {
      this.unhealthyCount = 0

      return false
    }
    this.unhealthyCount++
    const limit = this.config.unhealthy_requests_limit > 0 ? this.config.unhealthy_requests_limit : 3
    if (this.unhealthyCount < limit) return false

    this.skipUntil = now + unhealthyIntervalMs(this.config)

    return true
  }
}

function unhealthyIntervalMs(config: RunnerConfig): number {
  return (config.unhealthy_interval > 0 ? config.unhealthy_interval : 3600) * 1000
}
