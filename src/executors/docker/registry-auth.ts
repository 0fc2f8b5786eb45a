/**
 * Registry credentials for a pull. Sources, in the order of executors.md 4.3, the first one
 * holding credentials for the image's registry wins:
 *
 * 1. `DOCKER_AUTH_CONFIG` job variable (the last definition in the payload);
 * 2. the runner user's `~/.docker/config.json`;
 * 3. `DOCKER_AUTH_CONFIG` in `[[runners]] environment` — the spec's "[[runners]] docker
 *    credentials" slot: runner-side, so after the user's config file and before GitLab's;
 * 4. the GitLab registry credentials sent in the payload (`credentials` of type registry).
 *
 * A DOCKER_AUTH_CONFIG that is not JSON, or has no `auths` object, is skipped with a warning
 * naming where it came from (never its value: it holds secrets); so is a config.json that is
 * not JSON. A config.json without `auths` (e.g. only `credsStore`) is skipped silently.
 * The sources are read once per job (collectRegistryAuth), so a warning prints once even
 * when several images are pulled.
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

/** One credentials source: its name for the log and its entries as [config key, credentials]. */
interface AuthSource {
  name: string
  entries: Array<[string, RegistryAuth]>
}

/** Every source of one job, in lookup order, and the warnings reading them gave. */
export interface RegistryAuthSources {
  sources: AuthSource[]
  /** Lines for the job log (without the `WARNING:` prefix). */
  warnings: string[]
}

export interface CollectRegistryAuthInput {
  payload: JobPayload
  /** `[[runners]] environment` entries, `KEY=VALUE`. */
  runnerEnvironment: readonly string[]
  /** The runner user's home; tests point it elsewhere. */
  homeDir?: string
}

export const JOB_VARIABLE_SOURCE = 'DOCKER_AUTH_CONFIG'
export const RUNNER_ENVIRONMENT_SOURCE = 'DOCKER_AUTH_CONFIG in [[runners]] environment'
export const GITLAB_SOURCE = 'GitLab'

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

type Parsed = { entries: Array<[string, RegistryAuth]> } | { problem: 'not valid JSON' | 'no "auths" object' }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** An `auths` entry as credentials: username/password, else base64 `user:password` in `auth`. */
function entryCredentials(key: string, entry: unknown): RegistryAuth | undefined {
  if (!isRecord(entry)) return undefined
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { username: entry.username, password: entry.password, serveraddress: key }
  }
  if (typeof entry.auth !== 'string') return undefined
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')

  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: key } : undefined
}

function parseDockerConfig(text: string): Parsed {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    // JSON.parse's message quotes the text, which holds secrets: say only what is wrong.
    return { problem: 'not valid JSON' }
  }
  if (!isRecord(parsed) || !isRecord(parsed.auths)) return { problem: 'no "auths" object' }
  const entries: Array<[string, RegistryAuth]> = []
  for (const [key, entry] of Object.entries(parsed.auths)) {
    const credentials = entryCredentials(key, entry)
    if (credentials !== undefined) entries.push([key, credentials])
  }

  return { entries }
}

/** The value of the last `DOCKER_AUTH_CONFIG=…` entry, as the shell would see it. */
function fromEnvironment(entries: readonly string[]): string | undefined {
  const prefix = `${JOB_VARIABLE_SOURCE}=`

  return entries.findLast((entry) => entry.startsWith(prefix))?.slice(prefix.length)
}

/** Reads every source once for a job; see the header for the order and the warnings. */
export function collectRegistryAuth(input: CollectRegistryAuthInput): RegistryAuthSources {
  const sources: AuthSource[] = []
  const warnings: string[] = []
  const addAuthConfig = (name: string, description: string, text: string | undefined): void => {
    if (text === undefined) return
    const parsed = parseDockerConfig(text)
    if ('problem' in parsed) warnings.push(`Ignoring ${description}: ${parsed.problem}`)
    else sources.push({ name, entries: parsed.entries })
  }

  const jobVariable = input.payload.variables.findLast((item) => item.key === JOB_VARIABLE_SOURCE)?.value
  addAuthConfig(JOB_VARIABLE_SOURCE, 'DOCKER_AUTH_CONFIG from the job variables', jobVariable)

  const file = join(input.homeDir ?? homedir(), '.docker', 'config.json')
  let fileText: string | undefined
  try {
    fileText = readFileSync(file, 'utf8')
  } catch {
    // No config file for the runner user: nothing to take from it.
  }
  if (fileText !== undefined) {
    const parsed = parseDockerConfig(fileText)
    if ('entries' in parsed) sources.push({ name: file, entries: parsed.entries })
    else if (parsed.problem === 'not valid JSON') warnings.push(`Ignoring ${file}: not valid JSON`)
  }

  addAuthConfig(RUNNER_ENVIRONMENT_SOURCE, RUNNER_ENVIRONMENT_SOURCE, fromEnvironment(input.runnerEnvironment))

  const gitlab = input.payload.credentials
    .filter((item) => item.type === 'registry')
    .map((item): [string, RegistryAuth] => [item.url, { username: item.username, password: item.password, serveraddress: item.url }])
  sources.push({ name: GITLAB_SOURCE, entries: gitlab })

  return { sources, warnings }
}

/** The first source's credentials for the image's registry, or undefined for an anonymous pull. */
export function resolveRegistryAuth(image: string, auth: RegistryAuthSources): ResolvedAuth | undefined {
  const registry = registryKey(registryOf(image))
  for (const source of auth.sources) {
    const found = source.entries.find(([key]) => registryKey(key) === registry)
    if (found !== undefined) return { credentials: found[1], source: source.name }
  }

  return undefined
}
