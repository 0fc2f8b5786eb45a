/**
 * The docker executor's life cycle: prepare (engine, network, volumes, images, services),
 * one container start per stage, and a cleanup that removes everything the job created.
 * See index.ts for the design.
 */
import { GlrunnerError } from '../../core/errors.js'
import { shortToken } from '../../core/tokens.js'
import type { JobLog } from '../../engine/job-log/types.js'
import type { BuildFileTransfer, Executor, PrepareOptions, RunOptions } from '../executor.js'
import { isLocalEngine, type ContainerClient } from './container-client.js'
import { plainHostSettings, serviceBaseSpec, stageContainerSpec } from './container-specs.js'
import { connectDockerEngine, type ContainerClientFactory } from './connect-engine.js'
import { readDockerSettings, type DockerSettings } from './docker-settings.js'
import { createArchiveFileTransfer } from './file-transfer.js'
import { ensureHostToolsImage, HOST_TOOLS_IMAGE, hostToolsBinds } from './host-tools-helper.js'
import { effectivePullPolicies, privilegedFor } from './image-policy.js'
import { withDefaultTag } from './image-ref.js'
import { jobNames, typedLabels, type JobIdentity, type JobNames } from './job-names.js'
import { ensureImage } from './pull.js'
import { collectRegistryAuth, resolveRegistryAuth, type RegistryAuthSources } from './registry-auth.js'
import { waitForServices } from './service-health.js'
import { buildUser, checkAllowed, serviceRequests, variableExpander } from './job-requests.js'
import { startServices, type ServiceRequest } from './services.js'
import type { StartupReaper } from './startup-reaper.js'
import { runStageInContainer } from './stage-container.js'
import { prepareVolumes } from './volumes.js'

export interface DockerExecutorOptions {
  /** Builds the Engine client (tests may wrap it); dockerode by default. */
  clientFactory?: ContainerClientFactory
  /**
   * Identity bits the executor cannot read from the payload (system id, slots), for
   * callers that do not pass PrepareOptions.identity (the engine does).
   */
  identity?: Partial<Omit<JobIdentity, 'shortToken' | 'fullToken'>>
  /**
   * Removes crashed jobs' leftovers before the first job on an engine, unless the
   * manager's start-up hook already did (the provider shares one per process).
   */
  startupReaper?: StartupReaper
}

interface Prepared {
  client: ContainerClient
  settings: DockerSettings
  names: JobNames
  network: string
  binds: string[]
  buildImage: string
  buildEntrypoint: string[]
  /** Undefined: predefined stages share the build container. */
  helper: { image: string; binds: string[] } | undefined
  env: string[]
  projectDir: string
  user: string
  buildPrivileged: boolean
}

export class DockerExecutor implements Executor {
  readonly hostProjectDir = undefined
  readonly files: BuildFileTransfer
  #prepared: Prepared | undefined
  #client: ContainerClient | undefined
  readonly #containers: string[] = []
  readonly #lazy = new Map<'build' | 'predefined', Promise<string>>()
  #network: string | undefined
  /** Every prepare attempt's temporary volumes: a retried prepare makes new names (new base). */
  readonly #temporaryVolumes: string[] = []
  /** Images this job pulled or found, name → id: `always` pulls each once per job (4.3). */
  readonly #usedImages = new Map<string, string>()

  constructor(private readonly options: DockerExecutorOptions = {}) {
    this.files = {
      download: (paths, localDir, signal) => this.#transfer().download(paths, localDir, signal),
      upload: (localDir, signal) => this.#transfer().upload(localDir, signal),
    }
  }

  async prepare(options: PrepareOptions): Promise<void> {
    const { payload, log, signal } = options
    if (options.shell !== 'bash' && options.shell !== 'sh') {
      throw new GlrunnerError('GLR_SHELL_UNSUPPORTED', `shell ${options.shell} is not supported by the docker executor`, {
        failureReason: 'runner_configuration_error',
        hint: 'set shell = "bash" or shell = "sh" in [[runners]], or leave it empty',
      })
    }
    const settings = readDockerSettings(options.runner.docker)
    const expand = variableExpander(payload)
    const jobImage = expand(payload.image?.name ?? '')
    const buildImage = jobImage || settings.image
    if (buildImage === '') {
      throw new GlrunnerError('GLR_DOCKER_NO_IMAGE', 'no Docker image specified to run the build in', {
        failureReason: 'runner_configuration_error',
        hint: 'set image in .gitlab-ci.yml or image in [runners.docker]',
      })
    }
    log.println(`Using Docker executor with image ${buildImage} ...`)
    if (jobImage !== '' && jobImage !== settings.image) checkAllowed(log, jobImage, 'images', settings.allowed_images)
    const services = serviceRequests(payload, settings, expand)
    for (const service of services.fromJob) checkAllowed(log, service.image, 'services', settings.allowed_services)
    const allServices = [...services.fromConfig, ...services.fromJob]
    if (settings.services_limit >= 0 && allServices.length > settings.services_limit) {
      throw new GlrunnerError('GLR_DOCKER_SERVICES_LIMIT', `too many services requested: ${allServices.length}, only ${settings.services_limit} allowed`, {
        failureReason: 'runner_configuration_error',
      })
    }

    const user = buildUser(payload, settings)
    const buildPrivileged = privilegedFor(buildImage, 'images', settings.privileged, settings.allowed_privileged_images)
    if (buildPrivileged.warning !== undefined) log.warning(buildPrivileged.warning)

    const address = { host: settings.host, tlsCertPath: settings.tls_cert_path, tlsVerify: settings.tls_verify }
    const client = await (this.options.clientFactory ?? connectDockerEngine)(address)
    this.#client = client
    try {
      await client.ping()
    } catch (err) {
      throw new GlrunnerError('GLR_DOCKER_CONNECT', 'connecting to the Docker Engine', { cause: err, hint: 'check [runners.docker] host / DOCKER_HOST and that dockerd runs' })
    }
    await this.options.startupReaper?.once(address, { client })

    // The engine passes the job's identity; the constructor's is for callers without one.
    const given = options.identity ?? this.options.identity
    const identity: JobIdentity = {
      shortToken: options.identity?.shortToken || shortToken(options.runner.token),
      fullToken: options.runner.token,
      systemId: given?.systemId ?? '',
      concurrentId: given?.concurrentId ?? 0,
      concurrentProjectId: given?.concurrentProjectId ?? 0,
    }
    // Label values may name job variables (4.9), e.g. `project = "$CI_PROJECT_PATH"`.
    const labels = Object.fromEntries(Object.entries(settings.container_labels).map(([key, value]) => [key, expand(value)]))
    const names = jobNames(payload, identity, labels)
    const policies = (image: string, job: readonly string[]): ReturnType<typeof effectivePullPolicies> =>
      effectivePullPolicies({ image, job, runner: settings.pull_policy, allowed: settings.allowed_pull_policies })
    const buildPolicies = policies(buildImage, payload.image?.pull_policy ?? [])

    const network = await this.#createNetwork(client, settings, names)
    const strategy = payload.variables.findLast((item) => item.key === 'GIT_STRATEGY')?.value || (payload.allow_git_fetch ? 'fetch' : 'clone')
    const volumes = await prepareVolumes({
      client, settings, names, buildsDir: options.paths.buildsDir, persistentBuilds: strategy === 'fetch', isProtected: payload.git_info.protected,
    })
    this.#temporaryVolumes.push(...volumes.temporary)
    signal.throwIfAborted()

    const auth = collectRegistryAuth({ payload, runnerEnvironment: options.runner.environment })
    for (const warning of auth.warnings) log.warning(warning)
    await ensureImage({ client, log, image: buildImage, policies: buildPolicies, auth: resolveRegistryAuth(buildImage, auth), signal, usedImages: this.#usedImages })
    const helper = await this.#prepareHelper(client, settings, log, auth, signal)
    const env = payload.variables.filter((item) => item.public && !item.file).map((item) => `${item.key}=${item.value}`)
    // Jobs that start containers of their own (docker-in-docker) can join the job network.
    if (this.#network !== undefined) env.push(`CI_BUILD_NETWORK_NAME=${network}`)
    const entrypoint = payload.image?.entrypoint ?? []
    if (entrypoint.length > 0 && settings.disable_entrypoint_overwrite) log.warning('Entrypoint override disabled')
    this.#prepared = {
      client, settings, names, network, binds: volumes.binds, buildImage: withDefaultTag(buildImage),
      buildEntrypoint: settings.disable_entrypoint_overwrite ? [] : entrypoint, helper, env,
      projectDir: options.paths.projectDir, user, buildPrivileged: buildPrivileged.privileged,
    }

    await this.#startServices(allServices, policies, auth, signal, log)
  }

  async run(options: RunOptions): Promise<void> {
    const prepared = this.#need()
    const kind = options.predefined && prepared.helper !== undefined ? 'predefined' : 'build'
    const containerId = await this.#container(kind)
    await runStageInContainer({ client: prepared.client, containerId, script: options.script, stdout: options.stdout, stderr: options.stderr, signal: options.signal })
  }

  async cleanup(): Promise<void> {
    const client = this.#client
    if (client === undefined) return
    const lazy = await Promise.all([...this.#lazy.values()].map((item) => item.catch(() => undefined)))
    const ids = [...new Set([...this.#containers, ...lazy.filter((id): id is string => id !== undefined)])]
    await Promise.all(ids.map((id) => client.removeContainer(id).catch(() => undefined)))
    if (this.#network !== undefined) await client.removeNetwork(this.#network).catch(() => undefined)
    await Promise.all(this.#temporaryVolumes.map((name) => client.removeVolume(name).catch(() => undefined)))
  }

  #need(): Prepared {
    if (this.#prepared === undefined) throw new Error('docker executor used before prepare()')

    return this.#prepared
  }

  #transfer(): BuildFileTransfer {
    const prepared = this.#need()

    return createArchiveFileTransfer({
      client: prepared.client,
      containerId: () => this.#container(prepared.helper !== undefined ? 'predefined' : 'build'),
      projectDir: prepared.projectDir,
    })
  }

  async #createNetwork(client: ContainerClient, settings: DockerSettings, names: JobNames): Promise<string> {
    if (settings.network_mode !== '') return settings.network_mode
    const labels = typedLabels(names, 'network')
    try {
      this.#network = await client.createNetwork(names.network, labels, settings.network_mtu)
    } catch (err) {
      // A network of the same name is a leftover of this very job id (a crashed runner).
      if ((err as { statusCode?: number }).statusCode !== 409) throw err
      await client.removeNetwork(names.network)
      this.#network = await client.createNetwork(names.network, labels, settings.network_mtu)
    }

    return names.network
  }

  async #prepareHelper(client: ContainerClient, settings: DockerSettings, log: JobLog, auth: RegistryAuthSources, signal: AbortSignal): Promise<Prepared['helper']> {
    if (settings.helper_image !== '') {
      const policies = effectivePullPolicies({ image: settings.helper_image, job: [], runner: settings.pull_policy.length > 0 ? settings.pull_policy : ['if-not-present'], allowed: [] })
      await ensureImage({ client, log, image: settings.helper_image, policies, auth: resolveRegistryAuth(settings.helper_image, auth), signal, usedImages: this.#usedImages })

      return { image: withDefaultTag(settings.helper_image), binds: [] }
    }
    if (!isLocalEngine({ host: settings.host, tlsCertPath: '', tlsVerify: false })) return undefined
    await ensureHostToolsImage(client)

    return { image: HOST_TOOLS_IMAGE, binds: hostToolsBinds() }
  }

  async #startServices(requests: ServiceRequest[], policies: (image: string, job: readonly string[]) => ReturnType<typeof effectivePullPolicies>, auth: RegistryAuthSources, signal: AbortSignal, log: JobLog): Promise<void> {
    const prepared = this.#need()
    if (requests.length === 0) return
    const { client, settings } = prepared
    const exposed = new Map<string, number[]>()
    for (const request of requests) {
      const info = await ensureImage({ client, log, image: request.image, policies: policies(request.image, []), auth: resolveRegistryAuth(request.image, auth), signal, usedImages: this.#usedImages })
      exposed.set(request.image, info.exposedTcpPorts)
    }
    const started = await startServices({
      client, log, names: prepared.names, requests, network: prepared.network, jobEnv: prepared.env,
      base: serviceBaseSpec(settings, prepared.binds),
      exposedPorts: async (image) => exposed.get(image) ?? [],
      privileged: (request) => {
        const decision = privilegedFor(request.image, 'services', settings.services_privileged ?? settings.privileged, settings.allowed_privileged_services)
        if (decision.warning !== undefined) log.warning(decision.warning)

        return decision.privileged
      },
      track: (id) => this.#containers.push(id),
    })
    if (this.#network === undefined) return // host/none/bridge modes have no job network to probe on.
    const helper = prepared.helper ?? { image: prepared.buildImage, binds: [] }
    await waitForServices({
      client, log, names: prepared.names, services: started, timeoutSeconds: settings.wait_for_services_timeout, image: helper.image,
      base: { ...plainHostSettings(settings), mounts: { binds: helper.binds, tmpfs: {} } }, network: prepared.network,
      track: (id) => this.#containers.push(id), signal,
    })
  }

  /** The build or predefined container, created on first use. */
  #container(kind: 'build' | 'predefined'): Promise<string> {
    let pending = this.#lazy.get(kind)
    if (pending === undefined) {
      pending = this.#createStageContainer(kind)
      this.#lazy.set(kind, pending)
    }

    return pending
  }

  async #createStageContainer(kind: 'build' | 'predefined'): Promise<string> {
    const prepared = this.#need()
    const spec = stageContainerSpec({ kind, ...prepared })
    try {
      return await prepared.client.createContainer(spec)
    } catch (err) {
      throw new GlrunnerError('GLR_DOCKER_CREATE', `creating the ${kind} container`, { cause: err })
    }
  }
}
