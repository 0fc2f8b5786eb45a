/**
 * Host key verification against an OpenSSH known_hosts file: plain and hashed (`|1|`)
 * host patterns, `[host]:port` for non-default ports, `*`/`?` wildcards and `!` negation,
 * `@revoked` markers. `@cert-authority` lines are ignored (no certificate support).
 */
import { createHash, createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'

export type HostKeyVerdict = 'match' | 'unknown' | 'mismatch' | 'revoked'

interface KnownHostLine {
  marker: string
  patterns: string
  keyType: string
  key: Buffer
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints it. */
export function keyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`
}

/** The key type named inside an SSH public key blob (`ssh-ed25519`, …). */
export function keyType(key: Buffer): string {
  if (key.length < 4) return 'unknown'
  const length = key.readUInt32BE(0)

  return key.subarray(4, 4 + length).toString('latin1')
}

/** The name a host has in known_hosts: `host`, or `[host]:port` for ports other than 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`
}

function parseLines(text: string): KnownHostLine[] {
  const lines: KnownHostLine[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const fields = line.split(/\s+/)
    const marker = fields[0]?.startsWith('@') === true ? (fields.shift() as string) : ''
    const [patterns, type, base64] = fields
    if (patterns === undefined || type === undefined || base64 === undefined) continue
    lines.push({ marker, patterns, keyType: type, key: Buffer.from(base64, 'base64') })
  }

  return lines
}

function wildcardMatch(pattern: string, name: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')

  return new RegExp(`^${source}$`, 'i').test(name)
}

function hashedMatch(pattern: string, name: string): boolean {
  const [, , salt, hash] = pattern.split('|')
  if (salt === undefined || hash === undefined) return false
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64')

  return digest === hash
}

/** True when the comma-separated patterns name `name` (a negated match wins). */
function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) return hashedMatch(patterns, name)

  let matched = false
  for (const pattern of patterns.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardMatch(pattern.slice(1), name)) return false
    } else if (wildcardMatch(pattern, name)) {
      matched = true
    }
  }

  return matched
}

/** What known_hosts `text` says about `key` presented by `host:port`. */
export function checkHostKey(text: string, host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port)
  const entries = parseLines(text).filter((line) => line.marker !== '@cert-authority' && patternsMatch(line.patterns, name))
  if (entries.some((line) => line.marker === '@revoked' && line.key.equals(key))) return 'revoked'

  const known = entries.filter((line) => line.marker === '')
  if (known.some((line) => line.key.equals(key))) return 'match'

  return known.length === 0 ? 'unknown' : 'mismatch'
}

/** Reads the file; a missing file knows no hosts. */
export async function readKnownHosts(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw err
  }
}
