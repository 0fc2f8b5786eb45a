/**
 * The process log: structured, levelled, for operators. One Logger interface; child
 * loggers carry identity fields (runner, job) so call sites add only what is new.
 * Secrets never go in here: tokens are logged through `tokenPrefix()` only.
 *
 * Backed by pino (JSON lines) or pino-pretty in synchronous mode (text), written to
 * stderr so command output on stdout stays clean.
 */
import { pino, type Logger as PinoLogger } from 'pino'
import pinoPretty from 'pino-pretty'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'panic'
export type LogFormat = 'text' | 'json' | 'runner'

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
  child(fields: Record<string, unknown>): Logger
  setLevel(level: LogLevel): void
}

class PinoBackedLogger implements Logger {
  constructor(private readonly inner: PinoLogger) {}

  debug(message: string, fields?: Record<string, unknown>): void {
    this.inner.debug(fields ?? {}, message)
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.inner.info(fields ?? {}, message)
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.inner.warn(fields ?? {}, message)
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.inner.error(fields ?? {}, message)
  }

  child(fields: Record<string, unknown>): Logger {
    return new PinoBackedLogger(this.inner.child(fields))
  }

  setLevel(level: LogLevel): void {
    this.inner.level = pinoLevel(level)
  }
}

function pinoLevel(level: string): string {
  if (level === 'panic') return 'fatal'
  if (level === 'warning') return 'warn'

  return ['debug', 'info', 'warn', 'error', 'fatal'].includes(level) ? level : 'info'
}

export interface LoggerOptions {
  level?: string
  format?: string
  /** Defaults to stderr. */
  destination?: NodeJS.WritableStream
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = pinoLevel(options.level ?? 'info')
  const destination = options.destination ?? process.stderr

  if (options.format === 'json') {
    return new PinoBackedLogger(pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination))
  }

  const pretty = pinoPretty({
    sync: true,
    destination,
    colorize: false,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
    singleLine: true,
  })

  return new PinoBackedLogger(pino({ level, base: undefined }, pretty))
}

/** A logger that drops everything, for library callers and tests that do not care. */
export function silentLogger(): Logger {
  return new PinoBackedLogger(pino({ level: 'silent' }))
}
