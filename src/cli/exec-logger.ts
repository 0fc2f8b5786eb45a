/**
 * The process log of `glrunner exec`. The job logs are the output a user watches, so the
 * runner's own log stays at warnings unless --log-level or --debug asks for more.
 */
import type { Command } from 'commander'
import type { Logger } from '../core/logger.js'
import { loggerFromCommand } from './cli-logger.js'

export function formatExecLogger(command: Command): Logger {
  return loggerFromCommand(command, { level: 'warn' })
}
