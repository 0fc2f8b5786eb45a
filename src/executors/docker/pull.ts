/**
 * Makes an image available under its pull policies, tried in order (executors.md 4.3),
 * with the official log lines and pull progress in the job log.
 */
import { formatError, GlrunnerError } from '../../core/errors.js'
import type { JobLog } from '../../engine/job-log/types.js'
import type { ContainerClient, ImageInfo, RegistryAuth } from './container-client.js'
import type { PullPolicy } from './docker-settings.js'
import { withDefaultTag } from './image-ref.js'

export class ImagePullError extends GlrunnerError {
  constructor(image: string, policies: readonly PullPolicy[], cause: unknown) {
    super('GLR_DOCKER_IMAGE_PULL', `failed to pull image "${image}" with specified policies [${policies.join(' ')}]`, {
      cause,
      failureReason: 'image_pull_failure',
      hint: 'check the image name, the registry credentials and pull_policy in [runners.docker]',
    })
  }
}

export interface EnsureImageOptions {
  client: ContainerClient
  log: JobLog
  image: string
  policies: readonly PullPolicy[]
  auth: { credentials: RegistryAuth; source: string } | undefined
  signal: AbortSignal
  /**
   * Images this job already has, by name with tag → image id. Under `always` an image the
   * job already pulled is used again without a pull while the local tag still has that id
   * (4.3), so a job whose image is also its service image (or two equal services) pulls
   * once. Filled in by every successful call.
   */
  usedImages?: Map<string, string>
}

export async function ensureImage(options: EnsureImageOptions): Promise<ImageInfo> {
  const { log, policies } = options
  const image = withDefaultTag(options.image)
  log.println(`Using effective pull policy of [${policies.join(' ')}] for container ${image}`)

  let lastError: unknown
  for (const [index, policy] of policies.entries()) {
    if (index > 0) log.println(`Attempt #${index + 1}: Trying "${policy}" pull policy`)
    try {
      const info = await withPolicy(options, image, policy)
      options.usedImages?.set(image, info.id)

      return info
    } catch (err) {
      if (options.signal.aborted) throw err
      lastError = err
      log.warning(`Failed to pull image with policy "${policy}": ${formatError(err)}`)
    }
  }

  throw new ImagePullError(image, policies, lastError)
}

async function withPolicy(options: EnsureImageOptions, image: string, policy: PullPolicy): Promise<ImageInfo> {
  const { client, log } = options
  const used = options.usedImages?.get(image)
  if (policy === 'always' && used !== undefined) {
    const local = await client.inspectImage(image)
    if (local?.id === used) {
      printUsing(log, image, local)

      return local
    }
  }
  if (policy !== 'always') {
    const local = await client.inspectImage(image)
    if (local !== undefined) {
      log.println(`Using locally found image version due to "${policy}" pull policy`)
      printUsing(log, image, local)

      return local
    }
    if (policy === 'never') throw new Error(`image ${image} not found locally and pull_policy is "never"`)
  }

  log.println(`Pulling docker image ${image} ...`)
  if (options.auth !== undefined) log.println(`Authenticating with credentials from ${options.auth.source}`)
  await client.pullImage(image, options.auth?.credentials, (line) => log.println(line), options.signal)
  const pulled = await client.inspectImage(image)
  if (pulled === undefined) throw new Error(`image ${image} is missing after the pull`)
  printUsing(log, image, pulled)

  return pulled
}

function printUsing(log: JobLog, image: string, info: ImageInfo): void {
  const digest = info.repoDigests[0]
  log.println(`Using docker image ${info.id} for ${image}${digest !== undefined ? ` with digest ${digest}` : ''} ...`)
}
