/**
 * How a driver executable's exit status becomes a result (executors.md 6.4): 1 is a build
 * failure (its exit code possibly refined by BUILD_EXIT_CODE_FILE), 2 a system failure,
 * anything else an unknown code, treated as a system failure.
 */
import { readFile } from 'node:fs/promises'
import { GlrunnerError, ScriptExitError } from '../../core/errors.js'

export const BUILD_FAILURE_EXIT_CODE = 1
export const SYSTEM_FAILURE_EXIT_CODE = 2

/**
 * A system failure while preparing. Deliberately not a GlrunnerError: the engine retries
 * preparation only for errors that are not GlrunnerErrors (executors.md 1: 3 attempts),
 * and the official runner retries a driver's system failure in config/prepare.
 */
export class DriverSystemFailure extends Error {
  readonly failureReason = 'runner_system_failure'
}

export type DriverPhase = 'prepare' | 'run'

function systemFailure(message: string, phase: DriverPhase): Error {
  if (phase === 'prepare') return new DriverSystemFailure(message)

  return new GlrunnerError('GLR_CUSTOM_SYSTEM_FAILURE', message, { failureReason: 'runner_system_failure' })
}

function unknownCode(code: number, phase: DriverPhase): Error {
  return systemFailure(
    `unknown Custom executor executable exit code ${code}; executable execution terminated with: exit status ${code}`,
    phase,
  )
}

/** The first line of BUILD_EXIT_CODE_FILE: a number, 'invalid', or undefined when absent. */
async function exitCodeFromFile(file: string): Promise<number | 'invalid' | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  const first = (text.split('\n')[0] ?? '').trim()

  return /^-?\d+$/.test(first) ? Number(first) : 'invalid'
}

/** Undefined for 0; otherwise the error the executable's exit `code` stands for. */
export async function driverExitError(code: number, exitCodeFile: string, phase: DriverPhase): Promise<Error | undefined> {
  if (code === 0) return undefined
  if (code === SYSTEM_FAILURE_EXIT_CODE) return systemFailure(`exit status ${code}`, phase)
  if (code !== BUILD_FAILURE_EXIT_CODE) return unknownCode(code, phase)

  const fromFile = await exitCodeFromFile(exitCodeFile)
  if (fromFile === 'invalid') return unknownCode(code, phase)
  const exitCode = fromFile ?? code

  return new ScriptExitError(exitCode, `exit status ${exitCode}`)
}
