/**
 * The git remote of a job: the URL handed to git (never with credentials), the URL with
 * `gitlab-ci-token:<token>@`, and the external config file that maps one onto the other
 * with `insteadOf`, so the token lives only in `<tmp>` and never in `.git/config`.
 */

export class GitRemoteError extends Error {}

const ALLOWED_SCHEMES = new Set(['http:', 'https:', 'ssh:', 'git:', 'file:'])

export interface GitRemote {
  /** URL without userinfo: what `git remote add/set-url` gets. */
  url: string
  /** URL with userinfo, or the same as `url` when there are no credentials. */
  credentialedUrl: string
  /** `scheme://host[:port]`, for credential reject and per-host config. */
  serverBase: string
  protocol: string
  hasCredentials: boolean
}

/**
 * Builds the remote from the payload's repo URL, or from `[[runners]] clone_url` +
 * project path with the job token. Only http(s), ssh, git and file URLs are accepted:
 * `ext::` and friends would let a payload run commands through git.
 */
export function resolveGitRemote(options: {
  repoUrl: string
  cloneUrl: string
  projectPath: string
  jobToken: string
}): GitRemote {
  let url: URL
  try {
    if (options.cloneUrl !== '') {
      url = new URL(`${options.cloneUrl.replace(/\/+$/, '')}/${options.projectPath}.git`)
      url.username = 'gitlab-ci-token'
      url.password = options.jobToken
    } else {
      url = new URL(options.repoUrl)
    }
  } catch {
    throw new GitRemoteError('the repository URL is not a valid URL')
  }
  if (!ALLOWED_SCHEMES.has(url.protocol)) throw new GitRemoteError(`the repository URL scheme ${url.protocol} is not allowed`)

  const credentialedUrl = url.href
  const hasCredentials = url.username !== '' || url.password !== ''
  url.username = ''
  url.password = ''

  return {
    url: url.href,
    credentialedUrl,
    serverBase: url.protocol === 'file:' ? 'file://' : `${url.protocol}//${url.host}`,
    protocol: url.protocol.slice(0, -1),
    hasCredentials,
  }
}

/** `gitlab-ci-token:tok@` of the remote, applied to another URL of the same server. */
function withCredentialsOf(remote: GitRemote, target: string): string {
  const source = new URL(remote.credentialedUrl)
  const url = new URL(target)
  url.username = source.username
  url.password = source.password

  return url.href
}

function quoteSubsection(name: string): string {
  if (/[\n\0]/.test(name)) throw new GitRemoteError('a git config section name cannot hold a newline')

  return `"${name.replace(/[\\"]/g, (char) => `\\${char}`)}"`
}

function quoteValue(value: string): string {
  if (/\0/.test(value)) throw new GitRemoteError('a git config value cannot hold a NUL byte')

  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`).replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`
}

export interface ExtConfigOptions {
  /** Path of the CA file for http.sslCAInfo (shared executors put it here, not --global). */
  caFile?: string
  /** FF_USE_GIT_BUNDLE_URIS. */
  bundleUri: boolean
}

/**
 * The contents of `<tmp>/.gitlab-runner.ext.conf`: insteadOf rules for the project URL
 * and for the server base (so same-server submodules authenticate). The server rule ends
 * with `/`, so a look-alike host (`host.evil.example`) never receives the token.
 */
export function extConfigContent(remote: GitRemote, options: ExtConfigOptions): string {
  const lines: string[] = []
  const rule = (withCreds: string, without: string): void => {
    lines.push(`[url ${quoteSubsection(withCreds)}]`, `\tinsteadOf = ${quoteValue(without)}`)
  }

  if (remote.hasCredentials && remote.protocol !== 'file') {
    rule(remote.credentialedUrl, remote.url)
    rule(withCredentialsOf(remote, `${remote.serverBase}/`), `${remote.serverBase}/`)
  }
  if (options.caFile !== undefined && remote.protocol === 'https') {
    lines.push(`[http ${quoteSubsection(`${remote.serverBase}/`)}]`, `\tsslCAInfo = ${quoteValue(options.caFile)}`)
  }
  if (options.bundleUri) lines.push('[transfer]', '\tbundleURI = true')

  return lines.map((line) => `${line}\n`).join('')
}

/** A commit id as git prints it (sha1 or sha256), the only thing checkout accepts from a payload. */
export function isCommitId(value: string): boolean {
  return /^[0-9a-f]{40}$|^[0-9a-f]{64}$/.test(value)
}

/** A refspec git cannot read as an option (`--upload-pack=…`) and that holds no control bytes. */
export function isSafeRefspec(value: string): boolean {
  return value !== '' && !value.startsWith('-') && !/[\x00-\x20\x7f]/.test(value)
}
