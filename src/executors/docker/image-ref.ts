/**
 * Docker image references (`[registry[:port]/]path[:tag][@digest]`) and the service link
 * names derived from them (executors.md 4.5, case C-17).
 */

export interface ImageRef {
  /** Registry host with port, '' for Docker Hub. */
  registry: string
  /** Host without the port ('' for Docker Hub). */
  registryHost: string
  path: string
  tag: string
  digest: string
}

/** Splits an image name; a first component with `.` or `:` or `localhost` is a registry. */
export function parseImageRef(image: string): ImageRef {
  let rest = image
  let digest = ''
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
  }

  let registry = ''
  const slash = rest.indexOf('/')
  if (slash >= 0) {
    const first = rest.slice(0, slash)
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first
      rest = rest.slice(slash + 1)
    }
  }

  let tag = ''
  const colon = rest.lastIndexOf(':')
  if (colon >= 0) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
  }

  return { registry, registryHost: registry.replace(/:\d+$/, ''), path: rest, tag, digest }
}

/** The name pulled: a bare name gets `:latest` (a digest pins it instead). */
export function withDefaultTag(image: string): string {
  const ref = parseImageRef(image)

  return ref.tag === '' && ref.digest === '' ? `${image}:latest` : image
}

/** Registry host to look credentials up for (`docker.io` for Docker Hub names). */
export function registryOf(image: string): string {
  return parseImageRef(image).registry || 'docker.io'
}

/** `registry-host/path` without tag or digest: what link names are built from. */
export function serviceName(image: string): string {
  const ref = parseImageRef(image)

  return ref.registryHost === '' ? ref.path : `${ref.registryHost}/${ref.path}`
}

/** Tag shown in `Starting service <name>:<tag>...`: tag, else digest, else latest. */
export function serviceVersion(image: string): string {
  const ref = parseImageRef(image)

  return ref.tag || ref.digest || 'latest'
}

/** The two default link names: `/` → `__`, and `/` → `-` when that differs. */
export function defaultServiceAliases(image: string): string[] {
  const name = serviceName(image)
  const first = name.replaceAll('/', '__')
  const second = name.replaceAll('/', '-')

  return first === second ? [first] : [first, second]
}

/** `services:alias` may hold several names separated by commas or spaces. */
export function splitAliases(alias: string): string[] {
  return alias.split(/[,\s]+/).filter((item) => item !== '')
}

/** Container-name slug of a service image: path with `/` → `__`, unsafe characters dropped. */
export function serviceSlug(image: string): string {
  return serviceName(image).replaceAll('/', '__').replace(/[^a-zA-Z0-9_.-]/g, '-')
}
