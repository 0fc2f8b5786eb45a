/**
 * The environment of every driver executable (executors.md 6.3): the runner's own,
 * the runner's fixed variables, config_exec's job_env unprefixed, and every job variable
 * as CUSTOM_ENV_<KEY> (file variables as their content).
 */
import { join } from 'node:path'
import type { JobPayload } from '../../gitlab/job-payload.js'
import { BUILD_FAILURE_EXIT_CODE, SYSTEM_FAILURE_EXIT_CODE } from './exit-status.js'

export interface DriverVariable {
  key: string
  value: string
  file: boolean
}

export const RESPONSE_FILE = 'response.json'
export const EXIT_CODE_FILE = 'build_exit_code'

/** `CI_JOB_SERVICES` as the official runner encodes it; '' without services. */
export function jobServicesJson(payload: JobPayload): string {
  if (payload.services.length === 0) return ''

  return JSON.stringify(
    payload.services.map((service) => ({
      name: service.name,
      alias: service.alias,
      entrypoint: service.entrypoint,
      command: service.command,
      variables: Object.fromEntries(service.variables.map((item) => [item.key, item.value])),
    })),
  )
}

export function driverEnv(options: {
  tmpDir: string
  jobEnv: Readonly<Record<string, string>>
  variables: readonly DriverVariable[]
  payload: JobPayload
}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMPDIR: options.tmpDir,
    BUILD_FAILURE_EXIT_CODE: String(BUILD_FAILURE_EXIT_CODE),
    SYSTEM_FAILURE_EXIT_CODE: String(SYSTEM_FAILURE_EXIT_CODE),
    BUILD_EXIT_CODE_FILE: join(options.tmpDir, EXIT_CODE_FILE),
    JOB_RESPONSE_FILE: join(options.tmpDir, RESPONSE_FILE),
    ...options.jobEnv,
  }
  for (const item of options.variables) env[`CUSTOM_ENV_${item.key}`] = item.value
  env.CUSTOM_ENV_CI_JOB_SERVICES = jobServicesJson(options.payload)

  return env
}

/**
 * Variables when the engine does not hand its expanded list over: the payload's own,
 * plus the path variables every driver relies on.
 */
export function fallbackVariables(payload: JobPayload, paths?: { buildsDir: string; projectDir: string }): DriverVariable[] {
  const own = paths === undefined ? [] : [
    { key: 'CI_BUILDS_DIR', value: paths.buildsDir, file: false },
    { key: 'CI_PROJECT_DIR', value: paths.projectDir, file: false },
    { key: 'CI_SHARED_ENVIRONMENT', value: 'true', file: false },
  ]

  return [...own, ...payload.variables.map((item) => ({ key: item.key, value: item.value, file: item.file }))]
}
