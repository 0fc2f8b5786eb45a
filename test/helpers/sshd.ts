/**
 * A real OpenSSH server for tests: Debian's /usr/sbin/sshd started as
 * `sshd -D -e -f <temp config>` on a free 127.0.0.1 port, with its own host key, and a
 * throwaway user (`glrunner-ssh-test-<random>`, password and authorized key) created for
 * the test and removed by stop(). Needs root (useradd, privilege separation).
 */
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'

export const SSHD = '/usr/sbin/sshd'

/**
 * Starts sshd, prints its pid, waits for stdin to close, then stops sshd by pid, kills the
 * throwaway user's leftover processes (by pid, found by uid in /proc), removes the user
 * and the temp dir. Args: sshd path, config, user, uid, dir.
 */
const GUARDIAN = `
trap '' HUP INT
sshd_bin=$1 config=$2 user=$3 uid=$4 dir=$5
"$sshd_bin" -D -e -f "$config" &
sshd=$!
echo "$sshd"
cat >/dev/null
kill -TERM "$sshd" 2>/dev/null
wait "$sshd"
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  id -u "$user" >/dev/null 2>&1 || break
  for p in /proc/[0-9]*; do
    if [ "$(stat -c %u "$p" 2>/dev/null)" = "$uid" ]; then kill -KILL "\${p#/proc/}" 2>/dev/null; fi
  done
  sleep 0.2
  userdel -r -f "$user" >/dev/null 2>&1
done
rm -rf "$dir"
`

export interface SshTestServer {
  host: '127.0.0.1'
  port: number
  user: string
  password: string
  /** The user's home on the "remote" host (this machine). */
  home: string
  uid: number
  /** Private key accepted for `user`. */
  identityFile: string
  /** known_hosts naming this server's real host key. */
  knownHostsFile: string
  /** known_hosts naming a different key for this server. */
  wrongKnownHostsFile: string
  /** SHA256 fingerprint of the server's host key. */
  hostKeyFingerprint: string
  dir: string
  stop(): Promise<void>
}

/** Why the server cannot run here, or undefined when it can. */
export function sshdUnavailableReason(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install -y openssh-server)`
  if (process.getuid?.() !== 0) return 'creating the throwaway ssh user needs root'
  for (const tool of ['useradd', 'userdel', 'chpasswd', 'ssh-keygen']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' })
    } catch {
      return `${tool} is missing`
    }
  }

  return undefined
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)

    return true
  } catch {
    return false
  }
}

async function waitForPort(port: number, sshdPid: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (!alive(sshdPid)) throw new Error(`sshd exited: ${stderr()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await delay(50)
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within 10 s: ${stderr()}`)
}

function keygen(file: string, comment: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { stdio: 'ignore' })

  return readFileSync(`${file}.pub`, 'utf8').trim()
}

function fingerprint(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-f', pubFile], { encoding: 'utf8' }).split(' ')[1] ?? ''
}

/** Pids of processes owned by `uid` (read from /proc), to stop what the tests left. */
export function processesOf(uid: number): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (statSync(`/proc/${entry}`).uid === uid) pids.push(Number(entry))
    } catch {
      // Gone meanwhile.
    }
  }

  return pids
}

export async function startSshServer(): Promise<SshTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'glr-sshd-'))
  chmodSync(dir, 0o755)
  const user = `glrunner-ssh-test-${randomBytes(4).toString('hex')}`
  const password = `pw-${randomBytes(9).toString('base64url')}`
  const hostKey = join(dir, 'host_ed25519')
  const hostPub = keygen(hostKey, 'glrunner-test-host')
  const otherPub = keygen(join(dir, 'other_host_ed25519'), 'glrunner-other-host')
  const identityFile = join(dir, 'client_ed25519')
  const clientPub = keygen(identityFile, 'glrunner-test-client')

  execFileSync('useradd', ['-m', '-s', '/bin/bash', user], { stdio: 'pipe' })
  execFileSync('chpasswd', [], { input: `${user}:${password}\n`, stdio: ['pipe', 'ignore', 'pipe'] })
  const home = execFileSync('sh', ['-c', `getent passwd ${user} | cut -d: -f6`], { encoding: 'utf8' }).trim()
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim())
  mkdirSync(join(home, '.ssh'), { mode: 0o700 })
  writeFileSync(join(home, '.ssh', 'authorized_keys'), `${clientPub}\n`, { mode: 0o600 })
  chownSync(join(home, '.ssh'), uid, uid)
  chownSync(join(home, '.ssh', 'authorized_keys'), uid, uid)

  const port = await freePort()
  const name = `[127.0.0.1]:${port}`
  const keyPart = (pub: string): string => pub.split(' ').slice(0, 2).join(' ')
  const knownHostsFile = join(dir, 'known_hosts')
  writeFileSync(knownHostsFile, `${name} ${keyPart(hostPub)}\n`)
  const wrongKnownHostsFile = join(dir, 'known_hosts_wrong')
  writeFileSync(wrongKnownHostsFile, `${name} ${keyPart(otherPub)}\n`)

  const config = join(dir, 'sshd_config')
  writeFileSync(config, [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AllowUsers ${user}`,
    'PermitRootLogin no',
    'PasswordAuthentication yes',
    'PubkeyAuthentication yes',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
    '',
  ].join('\n'))
  // sshd refuses to start without its privilege separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })

  // sshd runs under a guardian shell that removes everything once its stdin closes: when
  // stop() ends it, or when this test process dies without running stop() (killed by a
  // timeout), so neither sshd nor the throwaway user outlive the test.
  const guardian = spawn('bash', ['-c', GUARDIAN, 'sshd-guardian', SSHD, config, user, String(uid), dir], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  })
  guardian.stdin.on('error', () => undefined)
  let stderr = ''
  guardian.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
  })
  const sshdPid = await new Promise<number>((resolve) => {
    guardian.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString('utf8').trim())))
  })
  const guardianExited = new Promise((resolve) => guardian.once('exit', resolve))
  const userExists = (): boolean => {
    try {
      execFileSync('id', ['-u', user], { stdio: 'ignore' })

      return true
    } catch {
      return false
    }
  }
  const shutDown = async (): Promise<void> => {
    guardian.stdin.end()
    await Promise.race([guardianExited, delay(15_000)])
    if (userExists()) throw new Error(`could not remove the test user ${user}; remove it with userdel -r -f ${user}`)
  }

  try {
    await waitForPort(port, sshdPid, () => stderr)
  } catch (err) {
    await shutDown()
    throw err
  }

  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    home,
    uid,
    identityFile,
    knownHostsFile,
    wrongKnownHostsFile,
    hostKeyFingerprint: fingerprint(`${hostKey}.pub`),
    dir,
    async stop() {
      await shutDown()
    },
  }
}
