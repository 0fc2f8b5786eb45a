/**
 * `glrunner run-single`: one runner from flags and environment alone, no config file.
 * Exits after --max-builds jobs, or when no job arrived within --wait-timeout seconds.
 */
import { accessSync, constants } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import { isHttpUrl } from '../config/load-config.js'
import { defaultGlobalConfig, defaultRunnerConfig } from '../config/runner-config.js'
import { formatError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { generateSystemId } from '../core/system-id.js'
import { runBuild } from '../engine/build.js'
import { getExecutorProvider } from '../executors/registry.js'
import { RunnerManager } from '../manager/runner-manager.js'
import { installShutdownSignals } from '../manager/shutdown-signals.js'
import { prepareAgentExtras } from '../service/agent-extras.js'
import { replayJob } from '../service/job-replay.js'
import { payloadSaver } from '../service/payload-store.js'
import { loggerFromCommand } from './cli-logger.js'
import { parseNonNegativeInteger } from './option-parsers.js'

interface RunSingleFlags {
  url?: string
  token?: string
  name?: string
  executor: string
  shell?: string
  buildsDir?: string
  cacheDir?: string
  limit: number
  requestConcurrency: number
  outputLimit: number
  maxBuilds: number
  waitTimeout: number
  checkInterval: number
  shutdownTimeout: number
  env?: string[]
  tlsCaFile?: string
  payload?: string
  repo?: string
  savePayloads?: string
  listenAddress?: string
}

function parseSeconds(value: string): number {
  const seconds = Number(value)
  if (!Number.isFinite(seconds) || seconds < 0) throw new InvalidArgumentError(`expected a number of seconds >= 0, got ${JSON.stringify(value)}.`)

  return seconds
}

export function runSingleCommand(): Command {
  return new Command('run-single')
    .description('run jobs for one runner given by flags, without a config file')
    .addOption(new Option('-u, --url <url>', 'GitLab instance URL').env('CI_SERVER_URL'))
    .addOption(new Option('-t, --token <token>', 'runner authentication token').env('CI_SERVER_TOKEN'))
    .addOption(new Option('--name <name>', 'runner name').env('RUNNER_NAME'))
    .addOption(new Option('--executor <name>', 'executor').env('RUNNER_EXECUTOR').default('shell'))
    .addOption(new Option('--shell <shell>', 'shell for the scripts').choices(['bash', 'sh', 'pwsh', 'powershell']).env('RUNNER_SHELL'))
    .addOption(new Option('--builds-dir <dir>', 'where builds are stored').env('RUNNER_BUILDS_DIR'))
    .addOption(new Option('--cache-dir <dir>', 'where caches are stored').env('RUNNER_CACHE_DIR'))
    .addOption(new Option('--limit <n>', 'jobs at once (also the concurrent value)').argParser(parseNonNegativeInteger).default(1))
    .addOption(new Option('--request-concurrency <n>', 'job requests in flight at once').argParser(parseNonNegativeInteger).default(1))
    .addOption(new Option('--output-limit <kib>', 'job log size limit in KiB').argParser(parseNonNegativeInteger).default(0))
    .addOption(new Option('--max-builds <n>', 'exit after this many jobs (0 = never)').argParser(parseNonNegativeInteger).default(0))
    .addOption(new Option('--wait-timeout <seconds>', 'exit when no job arrived within this time (0 = wait forever)').argParser(parseSeconds).default(0))
    .addOption(new Option('--check-interval <seconds>', 'how often to ask for jobs').argParser(parseSeconds).default(3))
    .addOption(new Option('--shutdown-timeout <seconds>', 'how long aborted jobs get to report').argParser(parseSeconds).default(30))
    .addOption(new Option('--tls-ca-file <file>', 'CA certificates to trust for GitLab').env('CI_SERVER_TLS_CA_FILE'))
    .option('--payload <file>', 'replay one saved job (from --save-payloads) locally instead of asking GitLab')
    .option('--repo <dir>', 'with --payload: a local clone holding the job\'s commit, served as its sources')
    .option('--save-payloads <dir>', 'save each job\'s payload (secrets redacted) to replay it with --payload')
    .option('--listen-address <address>', 'serve /metrics and /health on host:port')
    .action(async (flags: RunSingleFlags, command: Command) => {
      const logger = loggerFromCommand(command)
      try {
        process.exitCode = await runSingle(flags, logger)
      } catch (err) {
        logger.error(formatError(err))
        process.exitCode = 1
      }
    })
}

/** What would make every request fail, said at start instead of after an hour of retries. */
function checkConnectionFlags(flags: RunSingleFlags): string | undefined {
  if (flags.url !== undefined && !isHttpUrl(flags.url)) return `--url: expected an http:// or https:// URL, got ${JSON.stringify(flags.url)}`
  if (flags.tlsCaFile) {
    try {
      accessSync(flags.tlsCaFile, constants.R_OK)
    } catch (err) {
      return `--tls-ca-file: cannot read ${flags.tlsCaFile} (${(err as NodeJS.ErrnoException).code ?? String(err)})`
    }
  }

  return undefined
}

async function runSingle(flags: RunSingleFlags, processLogger: Logger): Promise<number> {
  if (flags.payload) return replay(flags, processLogger)
  if (!flags.url || !flags.token) {
    processLogger.error('run-single needs --url (or CI_SERVER_URL) and --token (or CI_SERVER_TOKEN), or --payload to replay a saved job')

    return 1
  }
  const flagProblem = checkConnectionFlags(flags)
  if (flagProblem !== undefined) {
    processLogger.error(flagProblem)

    return 1
  }
  const runner = defaultRunnerConfig({
    name: flags.name ?? '',
    url: flags.url,
    token: flags.token,
    executor: flags.executor,
    shell: flags.shell ?? '',
    builds_dir: flags.buildsDir ?? '',
    cache_dir: flags.cacheDir ?? '',
    limit: flags.limit,
    request_concurrency: Math.max(1, flags.requestConcurrency),
    output_limit: flags.outputLimit,
    'tls-ca-file': flags.tlsCaFile ?? '',
  })
  const config = defaultGlobalConfig({ concurrent: Math.max(1, flags.limit), check_interval: flags.checkInterval || 3, shutdown_timeout: flags.shutdownTimeout, runners: [runner] })
  const systemId = await generateSystemId()
  const extras = prepareAgentExtras({
    config,
    systemId,
    logger: processLogger,
    ...(flags.listenAddress ? { listenAddress: flags.listenAddress } : {}),
    observers: flags.savePayloads ? [payloadSaver(flags.savePayloads, processLogger)] : [],
  })
  const logger = extras.logger
  let received = 0
  const manager = new RunnerManager({
    config,
    systemId,
    logger,
    runBuild,
    resolveExecutor: getExecutorProvider,
    observer: extras.observer,
    ...(flags.maxBuilds > 0 ? { maxBuilds: flags.maxBuilds } : {}),
    onRequest: (event) => {
      if (event.status === 201) received++
    },
  })
  if (!getExecutorProvider(flags.executor)) {
    logger.error(`unknown executor ${JSON.stringify(flags.executor)}`)

    return 1
  }
  const uninstall = installShutdownSignals(manager, { logger, shutdownTimeoutMs: flags.shutdownTimeout * 1000 })
  let waitTimer: NodeJS.Timeout | undefined
  if (flags.waitTimeout > 0) {
    waitTimer = setTimeout(() => {
      if (received > 0) return
      logger.info('no job arrived within the wait timeout, exiting', { waitTimeoutSeconds: flags.waitTimeout })
      manager.stopGracefully()
    }, flags.waitTimeout * 1000)
  }
  manager.start()
  await extras.start(manager)
  await manager.done
  clearTimeout(waitTimer)
  uninstall()
  await extras.stop()
  await manager.close()

  return 0
}

/** --payload: one saved job against an embedded coordinator; exit 1 when it fails. */
async function replay(flags: RunSingleFlags, logger: Logger): Promise<number> {
  if (!getExecutorProvider(flags.executor)) {
    logger.error(`unknown executor ${JSON.stringify(flags.executor)}`)

    return 1
  }
  const result = await replayJob({
    file: flags.payload!,
    ...(flags.repo ? { repoDir: flags.repo } : {}),
    executor: flags.executor,
    ...(flags.shell ? { shell: flags.shell } : {}),
    ...(flags.buildsDir ? { buildsDir: flags.buildsDir } : {}),
    ...(flags.cacheDir ? { cacheDir: flags.cacheDir } : {}),
    logger,
    runBuild,
    resolveExecutor: getExecutorProvider,
    write: (chunk) => process.stdout.write(chunk),
    ...(flags.savePayloads ? { observer: payloadSaver(flags.savePayloads, logger) } : {}),
  })
  logger.info('replayed job finished', { state: result.state, failureReason: result.failureReason })

  return result.state === 'success' ? 0 : 1
}
