/**
 * `glrunner exec --executor docker`: local pipelines in containers, on the Docker Engine of
 * this machine.
 *
 * Networking. Job containers run on their own per-job bridge network (services answer by
 * their aliases there), so the coordinator's 127.0.0.1 is the container's own loopback,
 * not this machine's. For the run, glrunner creates one extra bridge network,
 * `glrunner-exec-<random>`, only to own an address of this machine that containers can
 * route to: a small TCP forwarder listens on that network's gateway address (never on
 * 0.0.0.0) and passes connections to the coordinator, which stays on 127.0.0.1 — the
 * runner itself talks to loopback only. Every URL in the job payload (repository,
 * CI_SERVER_URL, CI_API_V4_URL) names the forwarder. The network is removed when the run
 * ends. A remote engine (tcp://) is refused: its containers could not reach this machine.
 *
 * Images. No registry is assumed: with the default pull policy `if-not-present` (or
 * `never`) every image the pipeline names literally (job images, services, the
 * `--docker-image` default) must already exist, and a missing one stops the run before any
 * job starts, naming the image and the jobs that use it. `--docker-pull-policy always`
 * lets the engine pull. Builds live in per-job volumes (`disable_cache`), so a run leaves
 * no volumes behind; the runner-side cache stays in `.glrunner/cache`.
 */
import { randomBytes } from 'node:crypto'
import { GlrunnerError } from '../core/errors.js'
import { expandGo } from '../engine/variables/expand.js'
import { connectDockerEngine } from '../executors/docker/connect-engine.js'
import { isLocalEngine, type ContainerClient } from '../executors/docker/container-client.js'
import type { PipelinePlan, PlanJob } from '../pipeline/index.js'

export const LOCAL_PULL_POLICIES = ['if-not-present', 'never', 'always'] as const
export type LocalPullPolicy = (typeof LOCAL_PULL_POLICIES)[number]

/** The label on everything a local docker run creates: the repository's top level. */
export const EXEC_REPOSITORY_LABEL = 'glrunner.exec.repository'

export interface LocalDockerOptions {
  /** Image of jobs without `image:`. */
  defaultImage?: string
  pullPolicy: LocalPullPolicy
  /** Extra `[runners.docker] volumes` entries (`host:container[:mode]`, `/path`). */
  volumes: string[]
  /** The repository's top level, for the label. */
  repository: string
}

export interface LocalDocker {
  /** The gateway address of glrunner's network: containers reach this machine there. */
  gateway: string
  /** `[runners.docker]` of the local runner. */
  settings: Record<string, unknown>
  /** Removes the network made for the coordinator's address. */
  close(): Promise<void>
}

class LocalDockerError extends GlrunnerError {
  constructor(code: string, message: string, hint: string, cause?: unknown) {
    super(code, message, { failureReason: 'runner_configuration_error', hint, ...(cause !== undefined ? { cause } : {}) })
  }
}

/** Checks engine and images, then makes the coordinator's network; throws a clear error. */
export async function prepareLocalDocker(plan: PipelinePlan, options: LocalDockerOptions): Promise<LocalDocker> {
  const address = { host: '', tlsCertPath: '', tlsVerify: false }
  if (!isLocalEngine(address)) {
    throw new LocalDockerError('GLR_EXEC_DOCKER_REMOTE', `glrunner exec --executor docker needs a Docker Engine on this machine, not DOCKER_HOST=${process.env.DOCKER_HOST ?? ''}`,
      'Unset DOCKER_HOST (or point it at a unix socket): containers of a remote engine cannot reach the local coordinator.')
  }
  const client = await connectDockerEngine(address)
  try {
    await client.ping()
  } catch (err) {
    throw new LocalDockerError('GLR_EXEC_DOCKER_CONNECT', 'connecting to the Docker Engine', 'Start dockerd (or Docker Desktop) and check that you may use /var/run/docker.sock.', err)
  }

  const images = imagesOf(plan, options)
  if (options.pullPolicy !== 'always') await checkImagesPresent(client, images)

  return createCoordinatorNetwork(client, options)
}

/** The `[runners.docker]` table of the local runner. */
export function localDockerSettings(options: LocalDockerOptions): Record<string, unknown> {
  return {
    ...(options.defaultImage ? { image: options.defaultImage } : {}),
    pull_policy: [options.pullPolicy],
    volumes: options.volumes,
    disable_cache: true,
    container_labels: { [EXEC_REPOSITORY_LABEL]: options.repository },
  }
}

/** Image name → the jobs that use it; throws when a job has no image and there is no default. */
function imagesOf(plan: PipelinePlan, options: LocalDockerOptions): Map<string, string[]> {
  const images = new Map<string, string[]>()
  const use = (job: PlanJob, name: string): void => {
    const expanded = expandGo(name, (key) => job.variables.findLast((item) => item.key === key)?.value)
    // A name still holding `$` depends on run-time variables: the executor checks it then.
    if (expanded === '' || expanded.includes('$')) return
    images.set(expanded, [...(images.get(expanded) ?? []), job.name])
  }

  const imageless: string[] = []
  for (const job of plan.jobs) {
    if (job.trigger !== undefined) continue
    if (job.image?.name) use(job, job.image.name)
    else if (options.defaultImage) use(job, options.defaultImage)
    else imageless.push(job.name)
    for (const service of job.services) use(job, service.name)
  }
  if (imageless.length > 0) {
    throw new LocalDockerError('GLR_EXEC_DOCKER_NO_IMAGE', `no Docker image for ${imageless.map((name) => JSON.stringify(name)).join(', ')}`,
      'Give the job an image: in .gitlab-ci.yml, or pass --docker-image IMAGE for jobs without one.')
  }

  return images
}

async function checkImagesPresent(client: ContainerClient, images: Map<string, string[]>): Promise<void> {
  const missing: string[] = []
  for (const image of images.keys()) {
    if ((await client.inspectImage(image)) === undefined) missing.push(image)
  }
  const first = missing[0]
  if (first === undefined) return

  const list = missing.map((image) => `${image} (used by ${images.get(image)?.join(', ')})`).join('; ')
  throw new LocalDockerError('GLR_EXEC_DOCKER_IMAGE_MISSING', `Docker image${missing.length > 1 ? 's' : ''} not found on this machine: ${list}`,
    `glrunner exec does not pull images unless asked: build it (docker build -t ${first} .) or pull it (docker pull ${first}) first, or pass --docker-pull-policy always.`)
}

async function createCoordinatorNetwork(client: ContainerClient, options: LocalDockerOptions): Promise<LocalDocker> {
  const name = `glrunner-exec-${randomBytes(6).toString('hex')}`
  const id = await client.createNetwork(name, { [EXEC_REPOSITORY_LABEL]: options.repository }, 0)
  let gateway: string | undefined
  try {
    gateway = await client.networkGateway?.(id)
  } catch {
    gateway = undefined
  }
  if (gateway === undefined) {
    await client.removeNetwork(id).catch(() => undefined)
    throw new LocalDockerError('GLR_EXEC_DOCKER_NETWORK', `the Docker network ${name} has no IPv4 gateway for the coordinator to listen on`,
      'glrunner exec --executor docker needs bridge networks with IPv4 (the engine default).')
  }

  return {
    gateway,
    settings: localDockerSettings(options),
    close: () => client.removeNetwork(id).catch(() => undefined),
  }
}
