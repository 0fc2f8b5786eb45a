/** Errors of the benchmark harness: a setup step failed or a job did not end as expected. */
import { GlrunnerError } from '../../src/core/errors.js'

export class BenchError extends GlrunnerError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('GLR_BENCH', message, options)
  }
}
