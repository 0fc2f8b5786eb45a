export { compilePipeline } from './compile.js'
export { deriveGitContext, GitContextError, ZERO_SHA } from './git-context.js'
export { PipelineConfigError } from './config-problem.js'
export { formatCompileError } from './format-compile-error.js'
export { expandVariables, expandText } from './variables/expand.js'
export { slugify } from './variables/slug.js'
export { parseExpression, evaluateExpression, ExpressionSyntaxError } from './rules/expression.js'
export type * from './types.js'
export {
  applyDotenv,
  artifactProducers,
  cancelRun,
  createPipelineRun,
  hasWarnings,
  isFailureAllowed,
  jobRuntimeVariables,
  jobState,
  jobVariables,
  nextRunnable,
  pipelineStatus,
  playManualJob,
  prerequisites,
  recordResult,
} from './scheduler.js'
export type { JobResult, JobState, JobStatus, PipelineRun, PipelineStatus, RunOptions } from './scheduler.js'
export { parseDotenv, DOTENV_MAX_BYTES, DOTENV_MAX_VARIABLES } from './dotenv.js'
export type { DotenvResult, DotenvLimits } from './dotenv.js'
export { compileChildPipeline } from './child-pipeline.js'
export type { ChildPipelineOptions } from './child-pipeline.js'
