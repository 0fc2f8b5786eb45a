/**
 * Checks the runner makes on a parsed payload before acknowledging the job (spec 2.4):
 * what it cannot honour fails the job with runner_system_failure and an explanation,
 * instead of running something other than what the user asked for.
 */
import type { ImageSpec, JobPayload } from '../gitlab/job-payload.js'

/** `executor_opts` keys the runner understands, per executor family. */
const KNOWN_EXECUTOR_OPTS: Record<string, readonly string[]> = {
  docker: ['platform', 'user'],
  kubernetes: ['user'],
}

/** Problems that make the payload unusable; empty when it is fine. */
export function payloadProblems(payload: JobPayload): string[] {
  const problems: string[] = []
  if (payload.image) problems.push(...executorOptsProblems('image', payload.image))
  payload.services.forEach((service, index) => problems.push(...executorOptsProblems(`services[${index}]`, service)))

  const hasScript = payload.steps.some((step) => step.name === 'script' && step.script.length > 0)
  if (payload.run && payload.run.trim() !== '' && hasScript) {
    problems.push('the job defines both "run" and "script"; only one of them is allowed')
  }

  return problems
}

function executorOptsProblems(where: string, image: ImageSpec): string[] {
  const problems: string[] = []
  for (const [family, value] of Object.entries(image.executor_opts)) {
    const known = KNOWN_EXECUTOR_OPTS[family]
    if (!known) {
      problems.push(`${where}.executor_opts: unsupported key ${JSON.stringify(family)} (supported: ${Object.keys(KNOWN_EXECUTOR_OPTS).join(', ')})`)
      continue
    }
    if (typeof value !== 'object' || value === null) continue
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        problems.push(`${where}.executor_opts.${family}: unsupported key ${JSON.stringify(key)} (supported: ${known.join(', ')})`)
      }
    }
  }

  return problems
}
