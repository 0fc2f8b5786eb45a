/** `glrunner list`: the configured runners, each with its short token only. */
import { Command, Option } from 'commander'
import { loadConfig } from '../config/load-config.js'
import type { Logger } from '../core/logger.js'
import { tokenForLog } from '../core/tokens.js'
import { loggerFromCommand } from './cli-logger.js'
import { resolveConfigPath } from './config-path.js'

export function listCommand(): Command {
  return new Command('list')
    .description('list the runners in config.toml')
    .addOption(new Option('-c, --config <file>', 'config file'))
    .action(async (flags: { config?: string }, self: Command) => {
      await runList(flags, { logger: loggerFromCommand(self) })
    })
}

export async function runList(flags: { config?: string }, context: { logger: Logger; output?: NodeJS.WritableStream }): Promise<void> {
  const output = context.output ?? process.stdout
  const configPath = resolveConfigPath(flags.config)
  const { config, warnings, exists } = await loadConfig(configPath)
  for (const warning of warnings) context.logger.warn(warning, { file: configPath })

  output.write(`Listing configured runners  ConfigFile=${configPath}${exists ? '' : ' (does not exist)'}\n`)
  const width = Math.max(0, ...config.runners.map((runner) => runner.name.length))
  for (const runner of config.runners) {
    output.write(`${runner.name.padEnd(width)}  Executor=${runner.executor} Token=${tokenForLog(runner.token)} URL=${runner.url}\n`)
  }
}
