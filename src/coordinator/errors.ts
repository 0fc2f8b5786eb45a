/** Errors the coordinator's programmatic API throws at its caller. */
import { GlrunnerError } from '../core/errors.js'

/** A call to the coordinator named something it does not know or cannot do. */
export class CoordinatorError extends GlrunnerError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('GLR_COORDINATOR', message, { ...options, failureReason: 'runner_system_failure' })
  }
}

/** `waitForJob` ran out of time. */
export class JobWaitTimeoutError extends GlrunnerError {
  constructor(
    readonly jobId: number,
    readonly states: readonly string[],
    readonly lastState: string,
    timeoutMs: number,
  ) {
    super(
      'GLR_COORDINATOR_WAIT_TIMEOUT',
      `job ${jobId} did not reach ${states.join('|')} within ${timeoutMs} ms (state: ${lastState})`,
      { failureReason: 'runner_system_failure', hint: 'check that a runner is polling this coordinator' },
    )
  }
}
