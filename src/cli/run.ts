/**
 * `glrunner run`: the agent. Loads config.toml, starts one manager for every
 * `[[runners]]` entry, and stays until a signal stops it (SIGQUIT drains, SIGTERM/SIGINT
 * abort). Rotated runner tokens are written back to the file.
 */
import { Command } from 'commander'
import { formatTimestamp } from '../config/config-schema.js'
import { loadConfig } from '../config/load-config.js'
import { updateConfig } from '../config/save-config.js'
import { formatError } from '../core/errors.js'
import { loadOrCreateSystemId } from '../core/system-id.js'
import { runBuild } from '../engine/build.js'
import { getExecutorProvider } from '../executors/registry.js'
import { RunnerManager } from '../manager/runner-manager.js'
import { installShutdownSignals } from '../manager/shutdown-signals.js'
import { prepareAgentExtras } from '../service/agent-extras.js'
import { watchConfig } from '../service/config-watcher.js'
import { payloadSaver } from '../service/payload-store.js'
import { cleanupSettings } from '../cleanup/cleanup-config.js'
import { runningJobsGuard, scheduleCleanup } from '../cleanup/run-cleanup.js'
import { loggerFromCommand } from './cli-logger.js'
import { resolveConfigPath } from './config-path.js'

interface RunFlags {
  config?: string
  workingDirectory?: string
  listenAddress?: string
  savePayloads?: string
}

export function runCommand(): Command {
  return new Command('run')
    .description('run jobs for every runner in config.toml until stopped (SIGQUIT drains, SIGTERM/SIGINT abort)')
    .option('-c, --config <path>', 'config file (default: $CONFIG_FILE or ~/.glrunner/config.toml)')
    .option('-d, --working-directory <dir>', 'directory to run jobs from')
    .option('--listen-address <address>', 'serve /metrics and /health on host:port (overrides listen_address)')
    .option('--save-payloads <dir>', 'save each job\'s payload (secrets redacted) to replay it with run-single --payload')
    .action(async (flags: RunFlags, command: Command) => {
      const logger = loggerFromCommand(command)
      try {
        process.exitCode = await runAgent(flags, logger)
      } catch (err) {
        logger.error(formatError(err), (err as { hint?: string }).hint ? { hint: (err as { hint?: string }).hint } : {})
        process.exitCode = 1
      }
    })
}

async function runAgent(flags: RunFlags, processLogger: ReturnType<typeof loggerFromCommand>): Promise<number> {
  if (flags.workingDirectory) process.chdir(flags.workingDirectory)
  const configPath = resolveConfigPath(flags.config)
  const { config, warnings } = await loadConfig(configPath, { requireRunners: true })
  const systemId = await loadOrCreateSystemId(configPath)
  cleanupSettings(config.extra)
  const guard = runningJobsGuard()
  const extras = prepareAgentExtras({
    config,
    systemId,
    logger: processLogger,
    ...(flags.listenAddress ? { listenAddress: flags.listenAddress } : {}),
    observers: [guard.observer, ...(flags.savePayloads ? [payloadSaver(flags.savePayloads, processLogger)] : [])],
  })
  const logger = extras.logger
  for (const warning of warnings) logger.warn(warning)
  if (config.log_level && !levelGivenOnCommandLine()) logger.setLevel(config.log_level as Parameters<typeof logger.setLevel>[0])

  logger.info('starting glrunner', { config: configPath, systemId, runners: config.runners.length })
  const manager = new RunnerManager({
    config,
    systemId,
    logger,
    runBuild,
    resolveExecutor: getExecutorProvider,
    observer: extras.observer,
    onTokenRotated: async (name, token, expiresAt, details) => {
      await updateConfig(configPath, (saved) => {
        const runner = saved.runners.find((candidate) => candidate.token === details.oldToken) ?? saved.runners.find((candidate) => candidate.name === name)
        if (!runner) return
        runner.token = token
        runner.token_obtained_at = formatTimestamp(new Date(details.obtainedAt))
        if (expiresAt) runner.token_expires_at = formatTimestamp(new Date(expiresAt))
        else delete runner.token_expires_at
      })
    },
  })
  const uninstall = installShutdownSignals(manager, { logger, shutdownTimeoutMs: (config.shutdown_timeout > 0 ? config.shutdown_timeout : 30) * 1000 })
  manager.start()
  await extras.start(manager)
  const cleanup = scheduleCleanup({ config: () => manager.config, logger, inUse: guard.inUse })
  const watcher = watchConfig({
    path: configPath,
    logger,
    apply: (next, nextWarnings) => {
      extras.check(next)
      cleanupSettings(next.extra)
      for (const warning of nextWarnings) logger.warn(warning)
      if (!levelGivenOnCommandLine()) logger.setLevel((next.log_level || 'info') as Parameters<typeof logger.setLevel>[0])
      manager.reloadConfig(next)
    },
    onResult: (ok) => extras.metrics?.configReloaded(ok),
  })
  await manager.done
  watcher.close()
  cleanup.stop()
  uninstall()
  await extras.stop()
  await manager.close()

  return 0
}

/** A --log-level/--debug flag or LOG_LEVEL wins over the file's log_level. */
function levelGivenOnCommandLine(): boolean {
  return process.argv.some((arg) => arg === '--debug' || arg.startsWith('--log-level')) || process.env.LOG_LEVEL !== undefined
}
