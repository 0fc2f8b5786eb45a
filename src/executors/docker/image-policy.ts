/**
 * Which pull policies apply to an image (executors.md 4.3) and whether an image or service
 * may be used at all (4.4). Pure functions: the executor prints and throws.
 */
import picomatch from 'picomatch'
import { GlrunnerError } from '../../core/errors.js'
import { PULL_POLICIES, type PullPolicy } from './docker-settings.js'

export interface PullPolicyInput {
  image: string
  /** `image:pull_policy` / `services:pull_policy` from the job. */
  job: readonly string[]
  /** `[runners.docker] pull_policy`. */
  runner: readonly string[]
  allowed: readonly string[]
}

/**
 * The requested list (job, else runner, else `always`) filtered to the allowed list (or the
 * runner's list when none is set), order kept. Empty → runner_configuration_error.
 */
export function effectivePullPolicies(input: PullPolicyInput): PullPolicy[] {
  const [requested, source] = input.job.length > 0
    ? [input.job, 'GitLab pipeline config']
    : input.runner.length > 0
      ? [input.runner, 'Runner config']
      : [['always'], 'Runner config (default)']
  for (const policy of requested) {
    if (!(PULL_POLICIES as readonly string[]).includes(policy)) {
      throw new GlrunnerError('GLR_DOCKER_PULL_POLICY', `unknown pull policy ${JSON.stringify(policy)} for image "${input.image}"`, {
        failureReason: 'runner_configuration_error',
      })
    }
  }

  const allowed = input.allowed.length > 0 ? input.allowed : input.runner.length > 0 ? input.runner : requested
  const effective = requested.filter((policy) => allowed.includes(policy)) as PullPolicy[]
  if (effective.length === 0) {
    throw new GlrunnerError(
      'GLR_DOCKER_PULL_POLICY',
      `invalid pull policy for image "${input.image}": pull_policy ([${requested.join(' ')}]) defined in ${source} is not one of the allowed_pull_policies ([${allowed.join(' ')}])`,
      { failureReason: 'runner_configuration_error' },
    )
  }

  return effective
}

/** Doublestar glob match of the whole image string; an empty pattern list allows all. */
export function isImageAllowed(image: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true

  return patterns.some((pattern) => picomatch.isMatch(image, pattern, { dot: true }))
}

export type ImageKind = 'images' | 'services'

export interface PrivilegedDecision {
  privileged: boolean
  /** Set when privileged was asked for and the image is not on the list (for the job log). */
  warning?: string
}

/**
 * Whether a build or service container runs privileged (4.4): `privileged` (for services
 * `services_privileged`, else `privileged`) and the image matching allowed_privileged_images
 * (services: allowed_privileged_services); an empty list allows all. An image off the list
 * still runs, unprivileged, as in the official runner; images from the runner config get
 * no exemption, since the lists exist to narrow `privileged` down. The spec gives no log
 * text for this, so the warning is ours.
 */
export function privilegedFor(image: string, kind: ImageKind, requested: boolean, patterns: readonly string[]): PrivilegedDecision {
  if (!requested) return { privileged: false }
  if (isImageAllowed(image, patterns)) return { privileged: true }

  return {
    privileged: false,
    warning: `The "${image}" image is not present on list of allowed privileged ${kind} (allowed_privileged_${kind}): its container runs unprivileged`,
  }
}

/** The lines the official runner prints before failing on a disallowed image. */
export function disallowedImageLines(image: string, kind: ImageKind, patterns: readonly string[]): string[] {
  return [
    '',
    `The "${image}" image is not present on list of allowed ${kind}:`,
    ...patterns.map((pattern) => `- ${pattern}`),
    '',
    `Please check runner's allowed_${kind} configuration: https://docs.gitlab.com/runner/configuration/advanced-configuration/`,
  ]
}

export class DisallowedImageError extends GlrunnerError {
  constructor(readonly image: string, kind: ImageKind) {
    super('GLR_DOCKER_DISALLOWED_IMAGE', kind === 'images' ? 'disallowed image' : 'disallowed service', {
      failureReason: 'runner_configuration_error',
      hint: `add a matching pattern to allowed_${kind} in [runners.docker]`,
    })
  }
}
