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

/** Strips a scheme and path so `https://index.docker.io/v1/` compares as `index.docker.io`. */
function hostOf(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '')

  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host
}

function fromConfig(text: string, registry: string): RegistryAuth | undefined {
  let parsed: DockerConfigFile
  try {
    parsed = JSON.parse(text) as DockerConfigFile
  } catch {
    return undefined
  }

  for (const [key, entry] of Object.entries(parsed.auths ?? {})) {
    if (hostOf(key) !== registry) continue
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
  const registry = registryOf(image)
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
    if (item.type !== 'registry' || hostOf(item.url) !== registry) continue

    return { credentials: { username: item.username, password: item.password, serveraddress: item.url }, source: 'GitLab' }
  }

  return undefined
}
