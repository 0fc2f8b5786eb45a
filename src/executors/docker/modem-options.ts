/**
 * How dockerode reaches the engine for `[runners.docker] host`, `tls_cert_path` and
 * `tls_verify` (executors.md 4.11), the way the docker CLI and the official runner read them:
 *
 * - a unix socket path (or no host and no DOCKER_HOST): the socket;
 * - tcp:// with neither certificates nor tls_verify: plain HTTP (port 2375 by default);
 * - tcp:// with tls_cert_path: TLS (port 2376 by default) presenting cert.pem/key.pem when
 *   present; the server certificate is checked against ca.pem (or the system CAs when the
 *   directory has none) only with tls_verify = true. tls_verify = false with certificates
 *   is TLS without verifying the server, like `docker --tls` without `--tlsverify`;
 * - tcp:// with tls_verify = true and no certificates: TLS verified against the system CAs.
 *
 * With no host in the config, DOCKER_HOST, DOCKER_CERT_PATH and DOCKER_TLS_VERIFY (any
 * non-empty value) apply instead; tls_cert_path falls back to DOCKER_CERT_PATH either way.
 */
import { existsSync, readFileSync } from 'node:fs'
import { Agent } from 'node:https'
import { join } from 'node:path'
import type Docker from 'dockerode'
import { ConfigError } from '../../core/errors.js'
import type { EngineAddress } from './container-client.js'

const TLS_FILES = { ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem' } as const

/** The PEM files of a cert dir that exist; none at all is a configuration error. */
function readTlsFiles(certPath: string): Partial<Record<keyof typeof TLS_FILES, Buffer>> {
  const found: Partial<Record<keyof typeof TLS_FILES, Buffer>> = {}
  for (const [name, file] of Object.entries(TLS_FILES) as Array<[keyof typeof TLS_FILES, string]>) {
    const path = join(certPath, file)
    if (existsSync(path)) found[name] = readFileSync(path)
  }
  if (Object.keys(found).length === 0) {
    throw new ConfigError(`[runners.docker] tls_cert_path: ${JSON.stringify(certPath)} holds none of ca.pem, cert.pem, key.pem`, {
      hint: 'point tls_cert_path (or DOCKER_CERT_PATH) at the directory with the engine\'s client certificates',
    })
  }
  if ((found.cert === undefined) !== (found.key === undefined)) {
    throw new ConfigError(`[runners.docker] tls_cert_path: ${JSON.stringify(certPath)} holds only one of cert.pem and key.pem`)
  }

  return found
}

/** dockerode's options plus the `agent` docker-modem reads but its types leave out. */
export type ModemOptions = Docker.DockerOptions & { agent?: Agent }

export function modemOptions(address: EngineAddress): ModemOptions {
  const fromEnvironment = address.host === ''
  const host = address.host || process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'
  if (host.startsWith('unix://') || host.startsWith('/')) return { socketPath: host.replace(/^unix:\/\//, '') }

  const url = new URL(host.replace(/^tcp:/, 'http:'))
  const certPath = address.tlsCertPath || process.env.DOCKER_CERT_PATH || ''
  const verify = address.tlsVerify || (fromEnvironment && (process.env.DOCKER_TLS_VERIFY ?? '') !== '')
  if (certPath === '' && !verify) return { host: url.hostname, port: url.port || '2375', protocol: 'http' }

  const files = certPath === '' ? {} : readTlsFiles(certPath)

  return {
    host: url.hostname,
    port: url.port || '2376',
    protocol: 'https',
    ...files,
    // docker-modem has no switch for verification; an agent's options win over the
    // request's, so this agent decides. Attach and exec streams go through it as well.
    agent: new Agent({ ...files, rejectUnauthorized: verify }),
  }
}
