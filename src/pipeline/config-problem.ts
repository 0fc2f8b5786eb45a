import { GlrunnerError } from '../core/errors.js'
import type { CompileError } from './types.js'

/**
 * A configuration error found while compiling. Phases throw it to stop compilation (GitLab
 * reports only the first failing phase); compilePipeline turns it into `{ ok: false }`.
 */
export class PipelineConfigError extends GlrunnerError {
  readonly problems: CompileError[]

  constructor(problems: CompileError[]) {
    super('GLR_PIPELINE_CONFIG', problems.map((problem) => problem.message).join('\n'), {
      failureReason: 'runner_configuration_error',
      hint: 'Fix the CI configuration; the message names the file and key.',
    })
    this.problems = problems
  }
}

/** Throws a single configuration problem. */
export function fail(file: string, message: string, extra: { line?: number; key?: string } = {}): never {
  throw new PipelineConfigError([{ file, message, ...extra }])
}
