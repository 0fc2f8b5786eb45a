/**
 * Registry credentials for a pull, in the official order (executors.md 4.3):
 * DOCKER_AUTH_CONFIG job variable, the runner user's ~/.docker/config.json, then the
 * GitLab registry credentials sent in the payload.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { JobPayload } from '../../gitlab/job-payload.js'
import type { RegistryAuth } from './container-client.js'
import { registryOf } from './image-ref.js'

export interface ResolvedAuth {
  credentials: RegistryAuth
  source: string
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>
}

/**
 * The registry a config key or credentials URL names, in the form image names use:
 * `http://127.0.0.1:5000`, `127.0.0.1:5000/v1/` and `https://127.0.0.1:5000/v2/` all mean
 * `127.0.0.1:5000`; Docker Hub's aliases mean `docker.io`. Host names compare without case.
 */
export function registryKey(key: string): string {
  const host = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '').toLowerCase()

  return DOCKER_HUB_ALIASES.has(host) ? 'docker.io' : host
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'])

function fromConfig(text: string, registry: string): RegistryAuth | undefined {
  let parsed: DockerConfigFile
  try {
    parsed = JSON.parse(text) as DockerConfigFile
  } catch {
    return undefined
  }

  for (const [key, entry] of Object.entries(parsed.auths ?? {})) {
    if (registryKey(key) !== registry) continue
    if (entry.username !== undefined && entry.password !== undefined) {
      return { username: entry.username, password: entry.password, serveraddress: key }
    }
    if (entry.auth === undefined) continue
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: key }
  }

  return undefined
}

export function resolveRegistryAuth(image: string, payload: JobPayload, homeDir = homedir()): ResolvedAuth | undefined {
  const registry = registryKey(registryOf(image))
  const jobConfig = payload.variables.findLast((item) => item.key === 'DOCKER_AUTH_CONFIG')?.value
  if (jobConfig !== undefined) {
    const credentials = fromConfig(jobConfig, registry)
    if (credentials !== undefined) return { credentials, source: 'DOCKER_AUTH_CONFIG' }
  }

  const file = join(homeDir, '.docker', 'config.json')
  try {
    const credentials = fromConfig(readFileSync(file, 'utf8'), registry)
    if (credentials !== undefined) return { credentials, source: file }
  } catch {
    // No config file for the runner user: nothing to take from it.
  }

  for (const item of payload.credentials) {
    if (item.type !== 'registry' || registryKey(item.url) !== registry) continue

    return { credentials: { username: item.username, password: item.password, serveraddress: item.url }, source: 'GitLab' }
  }

  return undefined
}
