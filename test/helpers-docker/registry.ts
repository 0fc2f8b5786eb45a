/**
 * A real, private Docker registry for tests: Debian's `docker-registry` (distribution 2.8)
 * on 127.0.0.1 with a port the kernel picks, storage in a temp dir and htpasswd (bcrypt)
 * auth for a user it makes up. Docker Engine allows plain HTTP to registries on
 * 127.0.0.0/8, so the engine can push to it and pull from it without TLS.
 *
 * Every docker CLI call here runs with DOCKER_CONFIG pointing at the registry's temp dir:
 * `docker login` never writes to the user's ~/.docker.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'

export const REGISTRY_BIN = '/usr/bin/docker-registry'
const HTPASSWD_BIN = '/usr/bin/htpasswd'

/**
 * Starts the registry, prints its pid, waits for stdin to close, then stops the registry by
 * that pid. Closing stdin is what stop() does, and also what happens when the test process
 * dies without running stop(), so the registry never outlives its test. Args: config, log.
 */
const GUARDIAN = `
trap '' HUP INT
"$REGISTRY" serve "$1" >"$2" 2>&1 &
registry=$!
echo "$registry"
cat >/dev/null
kill -TERM "$registry" 2>/dev/null
wait "$registry"
`

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the registry part of image names. */
  host: string
  username: string
  password: string
  /** Pid of the docker-registry process. */
  pid: number
  /** A docker config dir holding a `docker login` for this registry (config.json). */
  dockerConfigDir: string
  /** Access-log request lines so far, e.g. `GET /v2/x/manifests/t HTTP/1.1`. */
  requests(): string[]
  /**
   * Makes a tiny image from `base` with a file /glrunner-registry-token holding `token`,
   * pushes it as `<host>/<repository>:<tag>` and removes the local tag, so using it needs a
   * pull. Returns the full reference.
   */
  pushImage(options: { base: string; repository: string; tag: string; token: string }): string
  /**
   * Deletes the stored data of the top layer of `<repository>:<tag>` so that the manifest
   * is still served and the pull then fails on that blob, inside the engine's pull stream.
   */
  breakTopLayer(repository: string, tag: string): void
  /** Stops the registry (idempotent) and removes its storage. */
  stop(): Promise<void>
}

/** Why the registry cannot run here, or undefined when it can. */
export function registryUnavailableReason(): string | undefined {
  if (!existsSync(REGISTRY_BIN)) return `${REGISTRY_BIN} is missing (apt-get install -y docker-registry)`
  if (!existsSync(HTPASSWD_BIN)) return `${HTPASSWD_BIN} is missing (apt-get install -y apache2-utils)`

  return undefined
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)

    return true
  } catch {
    return false
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

function writeConfig(dir: string): string {
  const htpasswd = join(dir, 'htpasswd')
  const config = join(dir, 'config.yml')
  // addr port 0: the registry logs the port it got ("listening on 127.0.0.1:NNNNN"), so no
  // other process can take a port between our choosing it and the registry binding it.
  writeFileSync(config, [
    'version: 0.1',
    'log:',
    '  level: info',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    '  addr: 127.0.0.1:0',
    `  secret: ${randomBytes(16).toString('hex')}`,
    'auth:',
    '  htpasswd:',
    '    realm: glrunner-test',
    `    path: ${htpasswd}`,
    '',
  ].join('\n'))

  return config
}

async function waitForAddress(log: string, pid: number): Promise<string> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const found = /listening on (127\.0\.0\.1:\d+)/.exec(readText(log))
    if (found?.[1] !== undefined) return found[1]
    if (!alive(pid)) throw new Error(`docker-registry exited before listening:\n${readText(log)}`)
    await delay(50)
  }
  throw new Error(`docker-registry did not listen within 15 s:\n${readText(log)}`)
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true

  return await Promise.race([
    new Promise<boolean>((resolve) => child.once('exit', () => resolve(true))),
    // Unref'd: a pending timer must not hold the test process open after the exit.
    delay(timeoutMs, false, { ref: false }),
  ])
}

export async function startTestRegistry(): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'glr-registry-'))
  const dockerConfigDir = join(dir, 'docker-config')
  mkdirSync(dockerConfigDir)
  const username = `glr-${randomBytes(4).toString('hex')}`
  const password = `pw-${randomBytes(12).toString('base64url')}`
  // -i reads the password from stdin, so it never shows in a process list.
  const entry = execFileSync(HTPASSWD_BIN, ['-niB', username], { input: `${password}\n`, encoding: 'utf8' })
  writeFileSync(join(dir, 'htpasswd'), entry)
  const config = writeConfig(dir)
  const log = join(dir, 'registry.log')

  const guardian = spawn('sh', ['-c', GUARDIAN, 'registry-guardian', config, log], {
    stdio: ['pipe', 'pipe', 'ignore'],
    env: { ...process.env, REGISTRY: REGISTRY_BIN },
  })
  guardian.stdin.on('error', () => undefined)
  const pid = await new Promise<number>((resolve, reject) => {
    guardian.stdout.once('data', (chunk: Buffer) => resolve(Number.parseInt(chunk.toString('utf8'), 10)))
    guardian.once('exit', (code) => reject(new Error(`registry guardian exited (${code}): ${readText(log)}`)))
  })

  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    guardian.stdin.end()
    if (!(await waitForExit(guardian, 5_000)) && alive(pid)) {
      process.kill(pid, 'SIGKILL')
      await waitForExit(guardian, 2_000)
    }
    rmSync(dir, { recursive: true, force: true })
  }

  let host: string
  try {
    host = await waitForAddress(log, pid)
  } catch (err) {
    await stop()
    throw err
  }

  const docker = (args: string[], input?: string): string =>
    execFileSync('docker', args, {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_CONFIG: dockerConfigDir },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(input !== undefined ? { input } : {}),
    })
  try {
    docker(['login', '--username', username, '--password-stdin', host], password)
  } catch (err) {
    await stop()
    throw err
  }

  return {
    host,
    username,
    password,
    pid,
    dockerConfigDir,
    requests: () => [...readText(log).matchAll(/"((?:GET|HEAD|PUT|POST|PATCH|DELETE) \/v2\/[^"]*)"/g)].map((match) => match[1] ?? ''),
    pushImage: ({ base, repository, tag, token }) => {
      const ref = `${host}/${repository}:${tag}`
      const container = `glr-registry-build-${randomBytes(4).toString('hex')}`
      docker(['run', '--name', container, '--label', 'glrunner.test=1', base, 'sh', '-c', `echo ${token} > /glrunner-registry-token`])
      try {
        docker(['commit', container, ref])
      } finally {
        docker(['rm', '-f', container])
      }
      docker(['push', ref])
      docker(['rmi', ref])

      return ref
    },
    breakTopLayer: (repository, tag) => {
      const v2 = join(dir, 'data', 'docker', 'registry', 'v2')
      const blob = (digest: string): string => {
        const hex = digest.replace(/^sha256:/, '')

        return join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data')
      }
      const manifestDigest = readFileSync(join(v2, 'repositories', repository, '_manifests', 'tags', tag, 'current', 'link'), 'utf8').trim()
      const manifest = JSON.parse(readFileSync(blob(manifestDigest), 'utf8')) as { layers?: Array<{ digest: string }> }
      const top = manifest.layers?.at(-1)?.digest
      if (top === undefined) throw new Error(`manifest ${manifestDigest} of ${repository}:${tag} lists no layers`)
      rmSync(blob(top))
    },
    stop,
  }
}

/** Removes a local tag (only that tag) if it exists; the shared image ids stay. */
export function removeLocalImage(ref: string): void {
  try {
    execFileSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' })
  } catch {
    return
  }
  execFileSync('docker', ['rmi', ref], { stdio: 'ignore' })
}
