/**
 * Payload oddities that must fail one job cleanly instead of crashing the runner or
 * reaching a shell in a surprising shape.
 */
import { GlrunnerError } from '../core/errors.js'
import type { ExecutorProvider } from '../executors/executor.js'
import type { JobPayload } from '../gitlab/job-payload.js'

export const MAX_VARIABLES_BYTES = 32 * 1024 * 1024
export const MAX_SCRIPT_BYTES = 16 * 1024 * 1024
export const MAX_STEPS = 64

export class BadPayloadError extends GlrunnerError {
  constructor(message: string) {
    super('GLR_BAD_PAYLOAD', message, { failureReason: 'runner_system_failure' })
  }
}

const STEP_NAME = /^[A-Za-z0-9_]+$/

/** Throws BadPayloadError describing the first problem found. */
export function checkPayload(payload: JobPayload, provider: ExecutorProvider): void {
  let variableBytes = 0
  for (const item of payload.variables) {
    if (item.key.includes('\0') || item.value.includes('\0')) {
      throw new BadPayloadError(`variable ${JSON.stringify(item.key.replace(/\0/g, ''))} holds a NUL byte, which no environment variable can carry`)
    }
    variableBytes += item.key.length + item.value.length
  }
  if (variableBytes > MAX_VARIABLES_BYTES) {
    throw new BadPayloadError(`job variables total ${variableBytes} bytes, more than the limit of ${MAX_VARIABLES_BYTES}`)
  }

  if (payload.steps.length > MAX_STEPS) throw new BadPayloadError(`the job has ${payload.steps.length} steps, more than the limit of ${MAX_STEPS}`)
  let scriptBytes = 0
  for (const step of payload.steps) {
    if (!STEP_NAME.test(step.name)) throw new BadPayloadError(`unknown step name ${JSON.stringify(step.name)}`)
    for (const line of step.script) {
      if (line.includes('\0')) throw new BadPayloadError(`step ${step.name} holds a NUL byte`)
      scriptBytes += line.length
    }
  }
  if (scriptBytes > MAX_SCRIPT_BYTES) throw new BadPayloadError(`the job script is ${scriptBytes} bytes, more than the limit of ${MAX_SCRIPT_BYTES}`)

  if ((payload.run ?? '') !== '') {
    const hasScript = payload.steps.some((step) => step.name === 'script')
    throw new BadPayloadError(hasScript ? 'the job has both `run` and `script`; only one is allowed' : '`run` (CI steps) is not supported by glrunner')
  }

  for (const image of [payload.image, ...payload.services]) {
    const unsupported = Object.keys(image?.executor_opts ?? {}).filter((key) => key !== provider.name)
    if (unsupported.length > 0) {
      throw new BadPayloadError(`executor_opts ${unsupported.join(', ')} not supported by the ${provider.name} executor`)
    }
  }
}
