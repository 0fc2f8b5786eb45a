/**
 * `glrunner install` and `glrunner uninstall`: a systemd service (Linux) or launchd job
 * (macOS) that runs `glrunner run`, as the official runner's commands of the same names.
 */
import { resolve } from 'node:path'
import { Command, InvalidArgumentError } from 'commander'
import { formatError, GlrunnerError } from '../core/errors.js'
import { ServiceManager } from '../service/service-manager.js'
import { glrunnerProgram } from '../service/program-path.js'
import { DEFAULT_STOP_TIMEOUT_SECONDS } from '../service/systemd-unit.js'
import { loggerFromCommand } from './cli-logger.js'
import { resolveConfigPath } from './config-path.js'

interface InstallFlags {
  service: string
  user?: string
  workingDirectory?: string
  config?: string
  stopTimeout: number
}

export function parseServiceName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/.test(value)) throw new InvalidArgumentError(`expected letters, digits, ".", "_", "-" or "@", got ${JSON.stringify(value)}.`)

  return value
}

function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number of seconds, got ${JSON.stringify(value)}.`)

  return Number(value)
}

/** Runs a service action and turns its errors into `ERROR:` lines and exit status 1. */
export async function serviceAction(command: Command, action: () => Promise<string>): Promise<void> {
  const logger = loggerFromCommand(command)
  try {
    process.stdout.write(`${await action()}\n`)
  } catch (err) {
    logger.error(formatError(err), err instanceof GlrunnerError && err.hint ? { hint: err.hint } : {})
    process.exitCode = 1
  }
}

export function installCommand(manager: () => ServiceManager = () => new ServiceManager()): Command {
  return new Command('install')
    .description('install glrunner as a service (systemd on Linux, launchd on macOS) running `glrunner run`')
    .option('-n, --service <name>', 'service name', parseServiceName, 'glrunner')
    .option('-u, --user <user>', 'run the service as this user (system services, as root)')
    .option('-d, --working-directory <dir>', 'working directory of the service (default: the current one)')
    .option('-c, --config <path>', 'config file the service uses (default: $CONFIG_FILE or the usual place)')
    .option('--stop-timeout <seconds>', 'how long a stop waits for running jobs to finish', parseSeconds, DEFAULT_STOP_TIMEOUT_SECONDS)
    .action(async (flags: InstallFlags, command: Command) =>
      serviceAction(command, async () => {
        const file = await manager().install({
          name: flags.service,
          program: await glrunnerProgram(),
          configPath: resolveConfigPath(flags.config),
          workingDirectory: resolve(flags.workingDirectory ?? process.cwd()),
          ...(flags.user ? { user: flags.user } : {}),
          stopTimeoutSeconds: flags.stopTimeout,
        })

        return `installed service ${flags.service} (${file}); start it with: glrunner start --service ${flags.service}`
      }),
    )
}

export function uninstallCommand(manager: () => ServiceManager = () => new ServiceManager()): Command {
  return new Command('uninstall')
    .description('stop and remove the glrunner service')
    .option('-n, --service <name>', 'service name', parseServiceName, 'glrunner')
    .action(async (flags: { service: string }, command: Command) =>
      serviceAction(command, async () => `uninstalled service ${flags.service} (${await manager().uninstall(flags.service)})`),
    )
}
