/** Random tokens in the shapes GitLab hands out. */
import { randomBytes } from 'node:crypto'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** `length` characters from [A-Za-z0-9], uniformly (rejection sampling avoids bias). */
export function randomAlnum(length: number): string {
  let out = ''
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= 248) continue // 248 = 4 * 62: keeps the modulo unbiased
      out += ALPHABET[byte % ALPHABET.length]
      if (out.length === length) break
    }
  }

  return out
}

/** Runner authentication token of a runner created in the UI/API. */
export function newAuthenticationToken(): string {
  return `glrt-t1_${randomAlnum(20)}`
}

/** Runner token returned by legacy registration (no glrt- prefix, like GitLab). */
export function newLegacyRunnerToken(): string {
  return `t1_${randomAlnum(20)}`
}

export function newJobToken(): string {
  return `glcbt-64_${randomAlnum(20)}`
}

/** Opaque queue version for X-GitLab-Last-Update. */
export function newQueueVersion(): string {
  return randomBytes(8).toString('hex')
}

/** X-Request-Id as GitLab renders it. */
export function newRequestId(): string {
  return randomBytes(13).toString('base64url').slice(0, 26).toUpperCase()
}
