/**
 * What a job asks of the docker executor, read from its payload and `[runners.docker]`:
 * the build user, allowed images, image names with variables, and service requests.
 */
import { GlrunnerError } from '../../core/errors.js'
import { expandGo } from '../../engine/variables/expand.js'
import type { JobLog } from '../../engine/job-log/types.js'
import type { JobPayload } from '../../gitlab/job-payload.js'
import type { DockerSettings } from './docker-settings.js'
import { disallowedImageLines, DisallowedImageError, isImageAllowed, type ImageKind } from './image-policy.js'
import type { ServiceRequest } from './services.js'

/** `image:docker:user` wins over `[runners.docker] user`; either must be in allowed_users when it is set (4.8). */
export function buildUser(payload: JobPayload, settings: DockerSettings): string {
  const opts = payload.image?.executor_opts?.docker as { user?: unknown } | undefined
  const user = typeof opts?.user === 'string' && opts.user !== '' ? opts.user : settings.user
  if (user !== '' && settings.allowed_users.length > 0 && !settings.allowed_users.includes(user)) {
    throw new GlrunnerError('GLR_DOCKER_USER_NOT_ALLOWED', `user ${JSON.stringify(user)} is not in the allowed users list`, {
      failureReason: 'runner_configuration_error',
      hint: `allowed_users in [runners.docker]: ${settings.allowed_users.join(', ')}`,
    })
  }

  return user
}

export function checkAllowed(log: JobLog, image: string, kind: ImageKind, patterns: readonly string[]): void {
  if (isImageAllowed(image, patterns)) return
  for (const line of disallowedImageLines(image, kind, patterns)) log.println(line)
  throw new DisallowedImageError(image, kind)
}

/** Expands `$NAME` in image names against the job's variables (last definition wins). */
export function variableExpander(payload: JobPayload): (text: string) => string {
  const lookup = (name: string): string | undefined => payload.variables.findLast((item) => item.key === name)?.value

  return (text) => expandGo(text, lookup)
}

export function serviceRequests(payload: JobPayload, settings: DockerSettings, expand: (text: string) => string): { fromConfig: ServiceRequest[]; fromJob: ServiceRequest[] } {
  const fromConfig = settings.services.map((service) => ({
    image: service.name, alias: service.alias, command: service.command, entrypoint: service.entrypoint, env: service.environment, ports: [],
  }))
  const fromJob = payload.services.map((service) => {
    const lookup = (name: string): string | undefined =>
      service.variables.findLast((item) => item.key === name)?.value ?? payload.variables.findLast((item) => item.key === name)?.value

    return {
      image: expand(service.name),
      alias: service.alias,
      command: service.command,
      entrypoint: service.entrypoint,
      env: service.variables.map((item) => `${item.key}=${expandGo(item.value, lookup)}`),
      ports: service.ports.filter((port) => port.protocol === '' || port.protocol === 'tcp').map((port) => port.number),
    }
  })

  return { fromConfig, fromJob }
}
