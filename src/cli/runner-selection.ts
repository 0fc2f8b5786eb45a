/**
 * Pieces shared by the runner lifecycle commands (register, verify, unregister, list):
 * which runners a command acts on, the API client for a runner entry, and the info object
 * sent to GitLab.
 */
import { ConfigError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { tokenForLog } from '../core/tokens.js'
import { getExecutorProvider } from '../executors/registry.js'
import { buildRunnerInfo, type RunnerFeatures, type RunnerInfo } from '../gitlab/runner-info.js'
import { createApiClient } from '../gitlab/runners-api.js'
import type { ApiClient } from '../gitlab/api-client.js'
import type { RunnerConfig } from '../config/runner-config.js'

/** Executors `register` accepts: the ones glrunner implements. */
export const SUPPORTED_EXECUTORS = ['shell', 'docker', 'ssh', 'custom'] as const

/** Authentication tokens (spec 1.1) use verify / runner managers; anything else is legacy. */
export function isAuthenticationToken(token: string): boolean {
  return token.startsWith('glrt-')
}

export function runnerInfoFor(runner: Pick<RunnerConfig, 'executor' | 'shell'>): RunnerInfo {
  const provider = getExecutorProvider(runner.executor)

  return buildRunnerInfo({
    executor: runner.executor,
    shell: runner.shell || provider?.defaultShell,
    features: (provider?.features ?? {}) as Partial<RunnerFeatures>,
  })
}

/** Runs `fn` with an API client for the runner's GitLab, closing the client afterwards. */
export async function withRunnerClient<T>(
  runner: Pick<RunnerConfig, 'url' | 'tls-ca-file' | 'tls-cert-file' | 'tls-key-file'>,
  logger: Logger,
  fn: (client: ApiClient) => Promise<T>,
): Promise<T> {
  const client = createApiClient({
    url: runner.url,
    tlsCaFile: runner['tls-ca-file'] || undefined,
    tlsCertFile: runner['tls-cert-file'] || undefined,
    tlsKeyFile: runner['tls-key-file'] || undefined,
    logger,
  })
  try {
    return await fn(client)
  } finally {
    await client.close()
  }
}

export interface RunnerSelector {
  name?: string
  url?: string
  token?: string
  allRunners?: boolean
}

/**
 * The configured runners a selector picks. With no selector every runner is picked when
 * `defaultAll`, else it is an error; a selector that matches nothing is an error too.
 */
export function selectRunners(runners: RunnerConfig[], selector: RunnerSelector, options: { defaultAll: boolean; configPath: string }): RunnerConfig[] {
  if (selector.name !== undefined) {
    const picked = runners.filter((runner) => runner.name === selector.name)
    if (picked.length === 0) throw new ConfigError(`no runner named ${JSON.stringify(selector.name)} in ${options.configPath}`, { hint: 'See the configured runners with `glrunner list`.' })

    return picked
  }

  if (selector.url !== undefined || selector.token !== undefined) {
    if (!selector.url || !selector.token) throw new ConfigError('--url and --token must be given together')
    const picked = runners.filter((runner) => sameUrl(runner.url, selector.url ?? '') && runner.token === selector.token)
    if (picked.length === 0) {
      throw new ConfigError(`no runner with token ${tokenForLog(selector.token)} and URL ${selector.url} in ${options.configPath}`, { hint: 'See the configured runners with `glrunner list`.' })
    }

    return picked
  }

  if (selector.allRunners || options.defaultAll) return runners

  throw new ConfigError('no runner selected', { hint: 'Pass --name NAME, --url URL --token TOKEN, or --all-runners.' })
}

function sameUrl(a: string, b: string): boolean {
  const normalise = (url: string) => url.trim().replace(/\/+$/, '')

  return normalise(a) === normalise(b)
}

/** `name=… runner=…`: how command output names a runner without its secret. */
export function describeRunner(runner: Pick<RunnerConfig, 'name' | 'token'>): string {
  return `name=${JSON.stringify(runner.name)} runner=${tokenForLog(runner.token)}`
}
