/**
 * Runs the leftover reaper once per engine for a provider: from the manager's start-up hook
 * (provider.startup) or, when no manager calls it (glrunner exec, run-single), before the
 * first job's containers are made. A failed attempt (engine down) is retried next time.
 */
import type { Logger } from '../../core/logger.js'
import type { ContainerClientFactory } from './connect-engine.js'
import type { ContainerClient, EngineAddress } from './container-client.js'
import { reapLeftovers, type ReapReport } from './leftover-reaper.js'

export class StartupReaper {
  readonly #runs = new Map<string, Promise<ReapReport>>()

  constructor(private readonly clientFactory: ContainerClientFactory) {}

  /** The first call per engine reaps; later calls share its result. Never throws. */
  async once(address: EngineAddress, options: { client?: ContainerClient; logger?: Logger } = {}): Promise<ReapReport | undefined> {
    const key = address.host || process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'
    let run = this.#runs.get(key)
    const first = run === undefined
    if (run === undefined) {
      const connecting = options.client !== undefined ? Promise.resolve(options.client) : Promise.resolve(this.clientFactory(address))
      run = connecting.then(async (client) => {
        await client.ping()

        return reapLeftovers(client)
      })
      this.#runs.set(key, run)
    }
    try {
      const report = await run
      if (first) logReport(options.logger, key, report)

      return report
    } catch (err) {
      if (this.#runs.get(key) === run) this.#runs.delete(key)
      if (first) options.logger?.warn('could not remove leftovers of crashed docker jobs', { engine: key, error: err instanceof Error ? err.message : String(err) })

      return undefined
    }
  }
}

function logReport(logger: Logger | undefined, engine: string, report: ReapReport): void {
  if (logger === undefined) return
  if (report.removed.length === 0 && report.failed.length === 0) {
    logger.debug('no leftovers of crashed docker jobs', { engine })

    return
  }
  const count = (kind: string): number => report.removed.filter((item) => item.kind === kind).length
  const jobs = [...new Set(report.removed.map((item) => item.jobId))]
  if (report.removed.length > 0) {
    logger.info('removed leftovers of docker jobs whose runner process is gone', {
      engine, containers: count('container'), networks: count('network'), volumes: count('volume'), jobs,
    })
  }
  for (const item of report.failed) logger.warn('could not remove a leftover of a crashed docker job', { engine, ...item })
}
