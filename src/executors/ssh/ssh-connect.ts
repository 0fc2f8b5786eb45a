/**
 * Opens the job's SSH connection: password then public-key auth, the host key checked
 * against known_hosts unless strict checking is off, a bounded number of dial attempts.
 * A host key that is unknown or changed is never retried: it will not fix itself.
 */
import { readFile } from 'node:fs/promises'
import { setTimeout as delay } from 'node:timers/promises'
import type { AuthenticationType, Client, ConnectConfig } from 'ssh2'
import { GlrunnerError } from '../../core/errors.js'
import { checkHostKey, keyFingerprint, keyType, knownHostsName, readKnownHosts, type HostKeyVerdict } from './known-hosts.js'
import type { SshSettings } from './ssh-settings.js'

/** The remote host's key is unknown, changed or revoked. */
export class HostKeyError extends GlrunnerError {
  constructor(
    readonly host: string,
    readonly verdict: Exclude<HostKeyVerdict, 'match'>,
    readonly fingerprint: string,
    type: string,
    knownHostsFile: string,
  ) {
    const what = verdict === 'unknown' ? 'key is unknown' : verdict === 'mismatch' ? 'key mismatch' : 'key is revoked'
    super(
      'GLR_SSH_HOST_KEY',
      `ssh: handshake failed: knownhosts: ${what}: host ${host} presented ${type} key ${fingerprint} (checked against ${knownHostsFile})`,
      {
        failureReason: 'runner_system_failure',
        hint: verdict === 'unknown'
          ? `add the host's key to ${knownHostsFile} (ssh-keyscan), or set disable_strict_host_key_checking = true in [runners.ssh]`
          : `the host's key changed: if that is expected, update ${knownHostsFile}; otherwise someone may be intercepting the connection`,
      },
    )
  }
}

/** Dialing or logging in failed after every attempt. */
export class SshDialError extends GlrunnerError {
  constructor(cause: unknown) {
    super('GLR_SSH_DIAL', 'ssh Dial() error', { cause, failureReason: 'runner_system_failure' })
  }
}

async function connectConfig(settings: SshSettings, onHostKey: (key: Buffer) => boolean): Promise<ConnectConfig> {
  const authHandler: AuthenticationType[] = []
  if (settings.password !== undefined) authHandler.push('password')
  let privateKey: Buffer | undefined
  if (settings.identityFile !== undefined) {
    try {
      privateKey = await readFile(settings.identityFile)
    } catch (err) {
      throw new GlrunnerError('GLR_SSH_IDENTITY', `reading identity_file ${settings.identityFile}`, {
        cause: err,
        failureReason: 'runner_configuration_error',
      })
    }
    authHandler.push('publickey')
  }

  return {
    host: settings.host,
    port: settings.port,
    username: settings.user,
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    ...(privateKey !== undefined ? { privateKey } : {}),
    authHandler,
    readyTimeout: settings.connectTimeoutMs,
    keepaliveInterval: settings.keepAliveIntervalMs,
    keepaliveCountMax: 3,
    hostVerifier: onHostKey,
  }
}

async function dialOnce(settings: SshSettings, knownHosts: string, signal: AbortSignal): Promise<Client> {
  let rejected: HostKeyError | undefined
  const config = await connectConfig(settings, (key) => {
    if (!settings.strictHostKeyChecking) return true
    const verdict = checkHostKey(knownHosts, settings.host, settings.port, key)
    if (verdict === 'match') return true
    rejected = new HostKeyError(knownHostsName(settings.host, settings.port), verdict, keyFingerprint(key), keyType(key), settings.knownHostsFile)

    return false
  })

  // ssh2 loads on the first dial: other executors' jobs and `glrunner exec` never pay for it.
  const { Client: SshClient } = await import('ssh2')
  const client = new SshClient()

  return await new Promise<Client>((resolve, reject) => {
    let settled = false
    const fail = (err: unknown): void => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      client.end()
      reject(err)
    }
    // A cancel or job timeout must not wait for the connect timeout.
    const onAbort = (): void => fail(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    // ssh2 may emit several errors for one failed dial, and errors after the handshake
    // surface through the channels open then: this listener stays so none goes uncaught.
    client.on('error', (err) => fail(rejected ?? err))
    client.once('ready', () => {
      settled = true
      signal.removeEventListener('abort', onAbort)
      resolve(client)
    })
    client.connect(config)
  })
}

/** A ready connection, or HostKeyError / SshDialError after `connectAttempts` tries. */
export async function connectSsh(settings: SshSettings, signal: AbortSignal): Promise<Client> {
  const knownHosts = settings.strictHostKeyChecking ? await readKnownHosts(settings.knownHostsFile) : ''
  let lastError: unknown
  for (let attempt = 1; attempt <= settings.connectAttempts; attempt++) {
    signal.throwIfAborted()
    try {
      return await dialOnce(settings, knownHosts, signal)
    } catch (err) {
      if (err instanceof GlrunnerError || signal.aborted) throw err
      lastError = err
    }
    if (attempt < settings.connectAttempts) await delay(settings.connectRetryIntervalMs, undefined, { signal })
  }

  throw new SshDialError(lastError)
}
