/**
 * `glrunner unregister`: tells GitLab to forget a runner and removes it from config.toml.
 * Authentication-token (`glrt-`) runners delete only this installation's runner manager
 * (the runner belongs to the GitLab UI); legacy runners are deleted whole.
 */
import { Command, Option } from 'commander'
import { loadConfig } from '../config/load-config.js'
import { defaultRunnerConfig, type RunnerConfig } from '../config/runner-config.js'
import { updateConfig } from '../config/save-config.js'
import { ConfigError, GlrunnerError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { loadOrCreateSystemId } from '../core/system-id.js'
import { ApiError } from '../gitlab/api-error.js'
import { unregisterManager, unregisterRunner } from '../gitlab/runners-api.js'
import { loggerFromCommand } from './cli-logger.js'
import { resolveConfigPath } from './config-path.js'
import { describeRunner, isAuthenticationToken, selectRunners, withRunnerClient } from './runner-selection.js'

export interface UnregisterFlags {
  config?: string
  name?: string
  url?: string
  token?: string
  allRunners?: boolean
}

export function unregisterCommand(): Command {
  return new Command('unregister')
    .description('unregister runners from GitLab and remove them from config.toml')
    .addOption(new Option('-c, --config <file>', 'config file'))
    .addOption(new Option('-n, --name <name>', 'the runner with this name'))
    .addOption(new Option('-u, --url <url>', 'the runner with this URL (with --token)'))
    .addOption(new Option('-t, --token <token>', 'the runner with this token (with --url)'))
    .addOption(new Option('--all-runners', 'every configured runner'))
    .addHelpText('after', '\nExamples:\n  glrunner unregister --name build-box\n  glrunner unregister --all-runners\n')
    .action(async (flags: UnregisterFlags, self: Command) => {
      await runUnregister(flags, { logger: loggerFromCommand(self) })
    })
}

export async function runUnregister(flags: UnregisterFlags, context: { logger: Logger; output?: NodeJS.WritableStream }): Promise<void> {
  const output = context.output ?? process.stdout
  const selectors = [flags.name !== undefined, flags.url !== undefined || flags.token !== undefined, flags.allRunners === true].filter(Boolean)
  if (selectors.length !== 1) {
    throw new ConfigError('choose exactly one of --name, --url with --token, or --all-runners')
  }

  const configPath = resolveConfigPath(flags.config)
  const { config, warnings, exists } = await loadConfig(configPath)
  for (const warning of warnings) context.logger.warn(warning, { file: configPath })

  const runners = pickRunners(config.runners, flags, configPath)
  const systemId = await loadOrCreateSystemId(configPath, { logger: context.logger })
  const removed = new Set<RunnerConfig>()
  let failures = 0
  for (const runner of runners) {
    try {
      await unregisterOne(runner, systemId, context.logger)
      removed.add(runner)
      output.write(`Unregistering runner from GitLab succeeded  ${describeRunner(runner)}\n`)
    } catch (err) {
      if (!(err instanceof GlrunnerError)) throw err
      failures++
      output.write(`Unregistering runner from GitLab failed  ${describeRunner(runner)} error=${JSON.stringify(err.message)}\n`)
    }
  }

  const tokens = new Set([...removed].map((runner) => runner.token))
  if (exists && config.runners.some((runner) => tokens.has(runner.token))) {
    await updateConfig(configPath, (current) => {
      current.runners = current.runners.filter((runner) => !tokens.has(runner.token))
    })
    output.write(`Updated ${configPath}\n`)
  }

  if (failures > 0) throw new GlrunnerError('GLR_UNREGISTER', `${failures} of ${runners.length} runner(s) could not be unregistered; they stay in ${configPath}`)
}

/** --url/--token may name a runner missing from the file: GitLab is still asked to forget it. */
function pickRunners(runners: RunnerConfig[], flags: UnregisterFlags, configPath: string): RunnerConfig[] {
  if (flags.url !== undefined && flags.token !== undefined) {
    const known = runners.filter((runner) => runner.token === flags.token)
    if (known.length > 0) return known

    return [defaultRunnerConfig({ name: '(not in config)', url: flags.url, token: flags.token })]
  }

  return selectRunners(runners, flags, { defaultAll: false, configPath })
}

async function unregisterOne(runner: RunnerConfig, systemId: string, logger: Logger): Promise<void> {
  await withRunnerClient(runner, logger, async (client) => {
    if (!isAuthenticationToken(runner.token)) return unregisterRunner(client, { token: runner.token })

    try {
      await unregisterManager(client, { token: runner.token, systemId })
    } catch (err) {
      // The manager is already gone (never used, or deleted in GitLab): nothing left to undo.
      if (err instanceof ApiError && err.status === 404) {
        logger.warn('runner manager not found in GitLab; removing the runner from the config anyway', { runner: describeRunner(runner), system_id: systemId })

        return
      }
      throw err
    }
  })
}
