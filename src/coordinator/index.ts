/** Public surface of the coordinator (embedded GitLab-compatible server). */
export { Coordinator } from './coordinator.js'
export { startCoordinator } from './start-coordinator.js'
export { CoordinatorError, JobWaitTimeoutError } from './errors.js'
export { JobRecord } from './job-record.js'
export { GITLAB_FAILURE_REASONS, DEFAULT_GIT_DEPTH, DEFAULT_JOB_TIMEOUT_SECONDS } from './payload.js'
export { traceChecksum } from './routes/job-update.js'
export { slugify } from './predefined-variables.js'
export {
  FINAL_JOB_STATES,
  type AddProjectOptions,
  type CreateRunnerOptions,
  type WaitForJobOptions,
  type ArtifactInput,
  type ArtifactRecord,
  type CacheInput,
  type CoordinatorOptions,
  type EnqueuedJob,
  type Fault,
  type FaultAction,
  type FaultEndpoint,
  type HookInput,
  type ImageInput,
  type JobSpec,
  type JobState,
  type JobUpdateRecord,
  type ProjectRecord,
  type RecordedRequest,
  type RefType,
  type RunnerManagerRecord,
  type RunnerRecord,
  type StepInput,
  type VariableSpec,
} from './types.js'
