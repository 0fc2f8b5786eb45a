/**
 * `[runners.docker]` as the docker executor reads it. The config loader keeps the table as
 * an untyped record, so this module validates the keys the executor understands (official
 * names and types) and ignores the rest; a wrong type is a runner_configuration_error that
 * names the key.
 */
import { z } from 'zod'
import { ConfigError } from '../../core/errors.js'

const strList = z.array(z.string()).optional().transform((value) => value ?? [])
const strMap = z.record(z.string(), z.string()).optional().transform((value) => value ?? {})
const optStr = z.string().optional().transform((value) => value ?? '')
const optBool = z.boolean().optional().transform((value) => value ?? false)

const serviceSchema = z.object({
  name: z.string(),
  alias: optStr,
  command: strList,
  entrypoint: strList,
  environment: strList,
})

const dockerSettingsSchema = z.object({
  host: optStr,
  tls_cert_path: optStr,
  tls_verify: optBool,
  hostname: optStr,
  image: optStr,
  helper_image: optStr,
  memory: optStr,
  memory_swap: optStr,
  memory_reservation: optStr,
  cpus: optStr,
  cpuset_cpus: optStr,
  cpu_shares: z.number().int().optional(),
  dns: strList,
  dns_search: strList,
  privileged: optBool,
  services_privileged: z.boolean().optional(),
  disable_entrypoint_overwrite: optBool,
  user: optStr,
  allowed_users: strList,
  cap_add: strList,
  cap_drop: strList,
  security_opt: strList,
  devices: strList,
  disable_cache: optBool,
  volumes: strList,
  cache_dir: optStr,
  extra_hosts: strList,
  network_mode: optStr,
  services: z.array(serviceSchema).optional().transform((value) => value ?? []),
  services_limit: z.number().int().optional().transform((value) => value ?? -1),
  wait_for_services_timeout: z.number().int().optional().transform((value) => value ?? 30),
  allowed_images: strList,
  allowed_services: strList,
  allowed_privileged_images: strList,
  allowed_privileged_services: strList,
  pull_policy: z.union([z.string(), z.array(z.string())]).optional()
    .transform((value) => (value === undefined ? [] : typeof value === 'string' ? [value] : value)),
  allowed_pull_policies: strList,
  shm_size: z.number().int().optional().transform((value) => value ?? 0),
  tmpfs: strMap,
  services_tmpfs: strMap,
  sysctls: strMap,
  ulimit: strMap,
  container_labels: strMap,
  network_mtu: z.number().int().optional().transform((value) => value ?? 0),
})

export type DockerSettings = z.output<typeof dockerSettingsSchema>
export type DockerServiceConfig = z.output<typeof serviceSchema>

export const PULL_POLICIES = ['always', 'if-not-present', 'never'] as const
export type PullPolicy = (typeof PULL_POLICIES)[number]

/** Validates `[runners.docker]`; a missing table means every default. */
export function readDockerSettings(table: Record<string, unknown> | undefined): DockerSettings {
  const parsed = dockerSettingsSchema.safeParse(table ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const key = issue?.path.join('.') ?? ''
    throw new ConfigError(`[runners.docker] ${key}: ${issue?.message ?? 'invalid value'}`)
  }
  for (const policy of [...parsed.data.pull_policy, ...parsed.data.allowed_pull_policies]) {
    if (!(PULL_POLICIES as readonly string[]).includes(policy)) {
      throw new ConfigError(`[runners.docker] pull_policy: unknown pull policy ${JSON.stringify(policy)}`, {
        hint: 'use always, if-not-present or never',
      })
    }
  }

  return parsed.data
}

/** Docker's size strings (`512m`, `1g`, `1024k`, bytes) as bytes; 0 for ''. */
export function parseSizeBytes(key: string, text: string): number {
  if (text === '') return 0
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)i?b?$/i.exec(text.trim())
  if (match === null) throw new ConfigError(`[runners.docker] ${key}: invalid size ${JSON.stringify(text)}`)
  const units: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }

  return Math.round(Number(match[1]) * (units[(match[2] ?? '').toLowerCase()] ?? 1))
}

/** `cpus = "1.5"` as NanoCpus; 0 for ''. */
export function parseNanoCpus(text: string): number {
  if (text === '') return 0
  const cpus = Number(text)
  if (!Number.isFinite(cpus) || cpus <= 0) throw new ConfigError(`[runners.docker] cpus: invalid value ${JSON.stringify(text)}`)

  return Math.round(cpus * 1e9)
}
