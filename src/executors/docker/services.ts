/**
 * Service containers (executors.md 4.5, 4.6, case C-17): one container per `services`
 * entry, on the job network under its link names, and a wait for their TCP ports from a
 * container on the same network, so the probe reaches exactly what the build will.
 */
import type { JobLog } from '../../engine/job-log/types.js'
import type { ContainerClient, ContainerSpec } from './container-client.js'
import { defaultServiceAliases, serviceName, serviceSlug, serviceVersion, splitAliases } from './image-ref.js'
import { LABEL_PREFIX, typedLabels, type JobNames } from './job-names.js'

export interface ServiceRequest {
  /** Image name, variables already expanded. */
  image: string
  alias: string
  command: string[]
  entrypoint: string[]
  /** `KEY=value` entries added to the job's variables. */
  env: string[]
  /** Ports named in the job (`services:ports`), probed besides the image's own. */
  ports: number[]
}

export interface StartedService {
  request: ServiceRequest
  containerId: string
  containerName: string
  aliases: string[]
  ports: number[]
}

/** Link names per service; an alias already taken is skipped with the official warning. */
export function assignAliases(requests: readonly ServiceRequest[], log: Pick<JobLog, 'warning'>): string[][] {
  const taken = new Set<string>()

  return requests.map((request, index) => {
    const names: string[] = []
    for (const alias of [...defaultServiceAliases(request.image), ...splitAliases(request.alias)]) {
      if (taken.has(alias)) {
        log.warning(`Skipping alias "${alias}" for service "${request.image}" (services[${index}]): alias is already in use by another service.`)
        continue
      }
      taken.add(alias)
      names.push(alias)
    }

    return names
  })
}

export interface StartServicesInput {
  client: ContainerClient
  log: JobLog
  names: JobNames
  requests: readonly ServiceRequest[]
  /** Everything but name, image, command, env, labels and aliases. */
  base: Omit<ContainerSpec, 'name' | 'image' | 'entrypoint' | 'cmd' | 'env' | 'labels' | 'network'>
  network: string
  jobEnv: string[]
  exposedPorts: (image: string) => Promise<number[]>
  /** Whether this service runs privileged (allowed_privileged_services); `base.privileged` when absent. */
  privileged?: (request: ServiceRequest) => boolean
  /** Records each container as soon as it exists, so cleanup finds it even on failure. */
  track: (id: string) => void
}

export async function startServices(input: StartServicesInput): Promise<StartedService[]> {
  const aliases = assignAliases(input.requests, input.log)
  const started: StartedService[] = []
  for (const [index, request] of input.requests.entries()) {
    const version = serviceVersion(request.image)
    const name = serviceName(request.image)
    input.log.println(`Starting service ${name}${version.startsWith('sha256:') ? `@${version}` : `:${version}`}...`)
    const containerName = `${input.names.base}-${serviceSlug(request.image)}-${index}`
    const id = await input.client.createContainer({
      ...input.base,
      privileged: input.privileged?.(request) ?? input.base.privileged,
      name: containerName,
      image: request.image,
      entrypoint: request.entrypoint,
      cmd: request.command,
      env: [...input.jobEnv, ...request.env],
      labels: typedLabels(input.names, 'service', { [`${LABEL_PREFIX}.service`]: name, [`${LABEL_PREFIX}.service.version`]: version }),
      network: { name: input.network, aliases: aliases[index] ?? [] },
    })
    input.track(id)
    await input.client.startContainer(id)
    const ports = [...new Set([...(await input.exposedPorts(request.image)), ...request.ports])]
    started.push({ request, containerId: id, containerName, aliases: aliases[index] ?? [], ports })
  }

  return started
}
