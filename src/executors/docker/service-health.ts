/**
 * wait_for_services_timeout (executors.md 4.6): a wait container per service, on the job
 * network, tries the service's TCP ports until one answers. The job goes on either way;
 * a service that never answers gets the official warning block with its container log.
 */
import type { JobLog } from '../../engine/job-log/types.js'
import type { ContainerClient, ContainerSpec } from './container-client.js'
import { LABEL_PREFIX, typedLabels, type JobNames } from './job-names.js'
import type { StartedService } from './services.js'

const YELLOW = '\x1b[0;33m'
const RESET = '\x1b[0;m'

/** A POSIX sh probe: bash's /dev/tcp where bash exists, else `nc -z`. */
export function probeScript(host: string, ports: readonly number[], timeoutSeconds: number): string {
  return [
    `echo "waiting for TCP connection to ${host} on [${ports.join(' ')}]..."`,
    'probe() {',
    '  if command -v bash >/dev/null 2>&1; then bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null',
    '  elif command -v nc >/dev/null 2>&1; then nc -z -w 1 "$1" "$2" 2>/dev/null',
    '  else echo "no bash or nc to probe with"; exit 2; fi',
    '}',
    'i=0',
    'while :; do',
    `  for port in ${ports.join(' ')}; do probe ${host} "$port" && exit 0; done`,
    '  i=$((i + 1))',
    `  [ "$i" -ge ${timeoutSeconds} ] && exit 1`,
    '  sleep 1',
    'done',
  ].join('\n')
}

export interface WaitForServicesInput {
  client: ContainerClient
  log: JobLog
  names: JobNames
  services: readonly StartedService[]
  timeoutSeconds: number
  /** Image with sh for the wait containers (the helper). */
  image: string
  base: Omit<ContainerSpec, 'name' | 'image' | 'entrypoint' | 'cmd' | 'env' | 'labels' | 'network' | 'openStdin'>
  network: string
  track: (id: string) => void
  signal: AbortSignal
}

export async function waitForServices(input: WaitForServicesInput): Promise<void> {
  if (input.services.length === 0 || input.timeoutSeconds < 0) return
  const seconds = input.timeoutSeconds === 0 ? 30 : input.timeoutSeconds
  input.log.println(`Waiting for services to be up and running (timeout ${seconds} seconds)...`)
  await Promise.all(input.services.map((service) => waitForOne(input, service, seconds)))
}

async function waitForOne(input: WaitForServicesInput, service: StartedService, seconds: number): Promise<void> {
  const { client } = input
  const waitName = `${service.containerName}-wait-for-service`
  if (service.ports.length === 0) {
    await warn(input, service, waitName, 'service has no exposed ports to check', '')

    return
  }

  const id = await client.createContainer({
    ...input.base,
    name: waitName,
    image: input.image,
    entrypoint: [''],
    // The short id, as upstream: container names can exceed a DNS label's 63 characters.
    cmd: ['sh', '-c', probeScript(service.containerId.slice(0, 12), service.ports, seconds)],
    env: [],
    openStdin: false,
    labels: typedLabels(input.names, 'wait', { [`${LABEL_PREFIX}.wait`]: service.containerId }),
    network: { name: input.network, aliases: [] },
  })
  input.track(id)
  const onAbort = (): void => void client.killContainer(id).catch(() => undefined)
  input.signal.addEventListener('abort', onAbort, { once: true })
  // The probe stops itself after `seconds` tries; this is the backstop for a stuck engine.
  const backstop = setTimeout(onAbort, (seconds + 10) * 1000)
  try {
    await client.startContainer(id)
    const code = await client.waitContainer(id)
    if (code !== 0 && !input.signal.aborted) await warn(input, service, waitName, `service "${waitName}" timeout`, await client.containerLogs(id))
  } finally {
    clearTimeout(backstop)
    input.signal.removeEventListener('abort', onAbort)
    await client.removeContainer(id).catch(() => undefined)
  }
}

async function warn(input: WaitForServicesInput, service: StartedService, _waitName: string, error: string, waitLogs: string): Promise<void> {
  const serviceLogs = await input.client.containerLogs(service.containerId).catch(() => '')
  const stderr = input.log.stream(0, 'E')
  const lines = [
    '',
    `${YELLOW}*** WARNING:${RESET} Service ${service.containerName} probably didn't start properly.`,
    '',
    'Health check error:',
    error,
    '',
    'Health check container logs:',
    waitLogs.trimEnd(),
    '',
    'Service container logs:',
    serviceLogs.trimEnd(),
    '',
    `${YELLOW}*********${RESET}`,
    '',
  ]
  stderr.write(`${lines.join('\n')}\n`)
  stderr.flush()
}
