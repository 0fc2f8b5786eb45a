/**
 * The process logger for a CLI invocation, from the global flags (`--log-level`,
 * `--log-format`, `--debug`) and their environment variables (LOG_LEVEL, LOG_FORMAT),
 * as the official runner accepts them.
 */
import type { Command } from 'commander'
import { createLogger, type Logger } from '../core/logger.js'

export interface GlobalLogOptions {
  logLevel?: string
  logFormat?: string
  debug?: boolean
}

export function loggerFromCommand(command: Command, overrides: { level?: string; format?: string } = {}): Logger {
  const options = command.optsWithGlobals<GlobalLogOptions>()
  const level = options.debug ? 'debug' : (options.logLevel ?? process.env.LOG_LEVEL ?? overrides.level ?? 'info')
  const format = options.logFormat ?? process.env.LOG_FORMAT ?? overrides.format ?? 'text'

  return createLogger({ level, format })
}
