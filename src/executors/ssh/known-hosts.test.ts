import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, randomBytes } from 'node:crypto'
import { checkHostKey, keyFingerprint, keyType, knownHostsName } from './known-hosts.js'

/** A fake but well-formed public key blob: string type, then key bytes. */
function blob(type: string, seed: string): Buffer {
  const name = Buffer.from(type)
  const length = Buffer.alloc(4)
  length.writeUInt32BE(name.length)

  return Buffer.concat([length, name, Buffer.from(seed.padEnd(32, '.'))])
}

const KEY = blob('ssh-ed25519', 'server key')
const OTHER = blob('ssh-ed25519', 'another key')
const line = (hosts: string, key: Buffer): string => `${hosts} ${keyType(key)} ${key.toString('base64')}`

test('known_hosts names use brackets only for ports other than 22', () => {
  assert.equal(knownHostsName('example.test', 22), 'example.test')
  assert.equal(knownHostsName('127.0.0.1', 2222), '[127.0.0.1]:2222')
})

test('a listed key matches, a different key for the host is a mismatch, no entry is unknown', () => {
  const text = `# comment\n\n${line('a.test,b.test', KEY)} user@host\n`
  assert.equal(checkHostKey(text, 'b.test', 22, KEY), 'match')
  assert.equal(checkHostKey(text, 'a.test', 22, OTHER), 'mismatch')
  assert.equal(checkHostKey(text, 'c.test', 22, KEY), 'unknown')
  assert.equal(checkHostKey(text, 'a.test', 2222, KEY), 'unknown', 'another port is another host')
})

test('hashed entries match the host name they were made for', () => {
  const salt = randomBytes(20)
  const hash = createHmac('sha1', salt).update('[10.0.0.5]:2200').digest('base64')
  const text = line(`|1|${salt.toString('base64')}|${hash}`, KEY)
  assert.equal(checkHostKey(text, '10.0.0.5', 2200, KEY), 'match')
  assert.equal(checkHostKey(text, '10.0.0.6', 2200, KEY), 'unknown')
})

test('wildcards match and negated patterns exclude', () => {
  const text = line('*.example.test,!bad.example.test', KEY)
  assert.equal(checkHostKey(text, 'ci.example.test', 22, KEY), 'match')
  assert.equal(checkHostKey(text, 'bad.example.test', 22, KEY), 'unknown')
  assert.equal(checkHostKey(line('host?.test', KEY), 'host1.test', 22, KEY), 'match')
})

test('a revoked key is refused even when also listed as known', () => {
  const text = `${line('a.test', KEY)}\n@revoked ${line('*', KEY)}\n`
  assert.equal(checkHostKey(text, 'a.test', 22, KEY), 'revoked')
  assert.equal(checkHostKey(`@cert-authority ${line('a.test', KEY)}`, 'a.test', 22, KEY), 'unknown')
})

test('fingerprints are unpadded base64 SHA256 as ssh-keygen prints them', () => {
  const fingerprint = keyFingerprint(KEY)
  assert.match(fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/)
  assert.notEqual(fingerprint, keyFingerprint(OTHER))
  assert.equal(keyType(KEY), 'ssh-ed25519')
})
