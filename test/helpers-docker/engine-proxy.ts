/**
 * The local Docker Engine's unix socket offered on 127.0.0.1 (port 0), plainly or behind TLS
 * with client-certificate auth, so tcp:// engine settings can be tested without touching
 * the system dockerd. Certificates come from openssl in a temp dir: a CA, a server cert for
 * IP 127.0.0.1 and a client cert, laid out as a docker cert dir (ca.pem, cert.pem, key.pem),
 * plus a second dir whose ca.pem is an unrelated CA.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'

export const ENGINE_SOCKET = '/var/run/docker.sock'

export interface EngineCerts {
  /** ca.pem (the CA that signed the server), cert.pem and key.pem (a client cert it signed). */
  certDir: string
  /** The same client cert and key, but ca.pem is another CA: verification must fail. */
  wrongCaDir: string
  server: { key: Buffer; cert: Buffer; ca: Buffer }
  remove(): void
}

/** Why the proxy cannot run here, or undefined. */
export function engineProxyUnavailableReason(): string | undefined {
  if (!existsSync(ENGINE_SOCKET)) return `${ENGINE_SOCKET} is missing`
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
  } catch {
    return 'openssl is missing (apt-get install -y openssl)'
  }

  return undefined
}

export function makeEngineCerts(): EngineCerts {
  const dir = mkdtempSync(join(tmpdir(), 'glr-engine-tls-'))
  const file = (name: string): string => join(dir, name)
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'ignore', cwd: dir })
  }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  for (const ca of ['ca', 'other-ca']) openssl('req', '-x509', ...ec, '-keyout', file(`${ca}-key.pem`), '-out', file(`${ca}.pem`), '-days', '1', '-subj', `/CN=glrunner test ${ca}`)
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n')
  for (const [name, subject] of [['server', '/CN=127.0.0.1'], ['client', '/CN=glrunner-test-client']] as const) {
    openssl('req', ...ec, '-keyout', file(`${name}-key.pem`), '-out', file(`${name}.csr`), '-subj', subject)
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'), '-CAcreateserial',
      '-out', file(`${name}-cert.pem`), '-days', '1', '-extfile', file(`${name}.ext`))
  }

  const certDir = join(dir, 'docker-certs')
  const wrongCaDir = join(dir, 'docker-certs-wrong-ca')
  for (const [target, ca] of [[certDir, 'ca.pem'], [wrongCaDir, 'other-ca.pem']] as const) {
    mkdirSync(target)
    writeFileSync(join(target, 'ca.pem'), readFileSync(file(ca)))
    writeFileSync(join(target, 'cert.pem'), readFileSync(file('client-cert.pem')))
    writeFileSync(join(target, 'key.pem'), readFileSync(file('client-key.pem')))
  }

  return {
    certDir,
    wrongCaDir,
    server: { key: readFileSync(file('server-key.pem')), cert: readFileSync(file('server-cert.pem')), ca: readFileSync(file('ca.pem')) },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

export interface EngineProxy {
  /** `tcp://127.0.0.1:<port>`. */
  host: string
  /** Connections that reached the engine (TLS: only after a handshake with a valid client cert). */
  connections(): number
  close(): Promise<void>
}

async function listen(server: Server, count: () => number): Promise<EngineProxy> {
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    host: `tcp://127.0.0.1:${port}`,
    connections: count,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/**
 * Both ways, half-closes included: the executor ends its side of an attach after writing
 * the script (stdin EOF) and still reads the output, so neither end may close the other.
 */
function pipeToEngine(client: Socket): void {
  const engine = connect({ path: ENGINE_SOCKET, allowHalfOpen: true })
  client.pipe(engine).pipe(client)
  const end = (): void => {
    client.destroy()
    engine.destroy()
  }
  client.on('error', end)
  engine.on('error', end)
  client.on('close', end)
  engine.on('close', end)
}

/** Plain TCP on 127.0.0.1 to the engine socket. */
export async function startPlainEngineProxy(): Promise<EngineProxy> {
  let count = 0
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    count++
    pipeToEngine(socket)
  })

  return await listen(server, () => count)
}

/** TLS on 127.0.0.1 that requires a client certificate signed by the test CA. */
export async function startTlsEngineProxy(certs: EngineCerts): Promise<EngineProxy> {
  let count = 0
  const server = createTlsServer({ ...certs.server, requestCert: true, rejectUnauthorized: true, allowHalfOpen: true }, (socket) => {
    count++
    pipeToEngine(socket)
  })
  // A client that refuses our certificate ends the handshake: not an error of the proxy.
  server.on('tlsClientError', () => undefined)

  return await listen(server, () => count)
}
