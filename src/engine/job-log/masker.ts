/**
 * The masking chain of spec section 9, as streaming filters: masked values -> URL parameters
 * -> token prefixes. Each stage works on raw bytes (no UTF-8 decoding, so binary output and
 * invalid sequences pass through untouched) and across any chunk boundary.
 */
import { DEFAULT_TOKEN_MASK_PREFIXES } from '../../core/tokens.js'
import { buildByteAutomaton, type ByteAutomaton } from './byte-automaton.js'
import { MatchFilter } from './match-filter.js'

/** Query parameters whose value is masked in URLs (key compared case-insensitively). */
export const MASKED_URL_PARAMS = [
  'private_token', 'authenticity_token', 'rss_token',
  'x-amz-signature', 'x-amz-credential', 'x-amz-security-token',
] as const

/** At most this many token prefixes are used, as the official runner does. */
export const MAX_TOKEN_PREFIXES = 15

function byteSet(test: (byte: number) => boolean): Uint8Array {
  const set = new Uint8Array(256)
  for (let b = 0; b < 256; b++) set[b] = test(b) ? 1 : 0

  return set
}

/** `[A-Za-z0-9._=-]`: what follows a token prefix and is masked. */
const TOKEN_RUN = byteSet((b) => /[A-Za-z0-9._=-]/.test(String.fromCharCode(b)))
/** A URL parameter value ends at `&`, whitespace or the end of the output. */
const URL_VALUE_RUN = byteSet((b) => b !== 0x26 && !/[ \t\n\v\f\r]/.test(String.fromCharCode(b)))

/** Masked values as matched: trimmed, empty ones dropped, de-duplicated, longest first. */
export function maskPhrases(values: readonly string[]): Buffer[] {
  const unique = new Set<string>()
  for (const value of values) {
    const trimmed = value.trim()
    if (trimmed === '') continue
    unique.add(trimmed)
    // A secret often reaches the log inside a URL (a clone URL, a query string) in its
    // percent-encoded form: mask that too, with upper- and lower-case hex digits.
    const encoded = encodeURIComponent(trimmed)
    if (encoded !== trimmed) {
      unique.add(encoded)
      unique.add(encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()))
    }
  }

  return [...unique].map((v) => Buffer.from(v, 'utf8')).sort((a, b) => b.length - a.length)
}

/**
 * Built-in prefixes plus the payload's extras: de-duplicated, sorted by length then
 * lexically, at most 15. `glpat-` is always kept (the spec masks it even when the flag that
 * enables the other defaults is off), taking the last place if the cut dropped it.
 */
export function tokenMaskPrefixes(extra: readonly string[]): string[] {
  const all = new Set<string>(DEFAULT_TOKEN_MASK_PREFIXES)
  for (const prefix of extra) if (prefix.trim() !== '') all.add(prefix.trim())
  const sorted = [...all].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0))
  const kept = sorted.slice(0, MAX_TOKEN_PREFIXES)
  if (!kept.includes('glpat-')) kept[kept.length - 1] = 'glpat-'

  return kept
}

/** Compiled rules shared by every stream of one job log; phrases may grow while it runs. */
export class MaskRules {
  #values: string[]
  #phrases: ByteAutomaton
  #version = 0
  readonly url: ByteAutomaton
  readonly tokens: ByteAutomaton

  constructor(maskedValues: readonly string[], extraTokenPrefixes: readonly string[]) {
    this.#values = [...maskedValues]
    this.#phrases = buildByteAutomaton(maskPhrases(this.#values))
    const urlPatterns = MASKED_URL_PARAMS.flatMap((key) => [`?${key}=`, `&${key}=`])
    this.url = buildByteAutomaton(urlPatterns.map((p) => Buffer.from(p)), { caseInsensitive: true })
    this.tokens = buildByteAutomaton(tokenMaskPrefixes(extraTokenPrefixes).map((p) => Buffer.from(p)))
  }

  get phrases(): ByteAutomaton {
    return this.#phrases
  }

  /** Bumped on every change so streams know to pick up the new phrase automaton. */
  get version(): number {
    return this.#version
  }

  /** Adds a value to mask; returns false when it adds nothing (empty or known). */
  add(value: string): boolean {
    const trimmed = value.trim()
    if (trimmed === '' || this.#values.some((v) => v.trim() === trimmed)) return false
    this.#values.push(trimmed)
    this.#phrases = buildByteAutomaton(maskPhrases(this.#values))
    this.#version++

    return true
  }
}

/** The masking chain for one output stream. */
export class StreamMasker {
  readonly #rules: MaskRules
  #version: number
  readonly #phrases: MatchFilter
  readonly #url: MatchFilter
  readonly #tokens: MatchFilter

  constructor(rules: MaskRules) {
    this.#rules = rules
    this.#version = rules.version
    this.#phrases = new MatchFilter(rules.phrases, { kind: 'replace' })
    this.#url = new MatchFilter(rules.url, { kind: 'keep-then-mask-run', runBytes: URL_VALUE_RUN })
    this.#tokens = new MatchFilter(rules.tokens, { kind: 'keep-then-mask-run', runBytes: TOKEN_RUN })
  }

  /** Bytes held back by all stages together (possible secret starts). */
  get heldBytes(): number {
    return this.#phrases.heldBytes + this.#url.heldBytes + this.#tokens.heldBytes
  }

  /** Masks a chunk; returns the bytes that can no longer change. */
  write(chunk: Buffer): Buffer {
    this.#syncRules()
    const afterPhrases = this.#phrases.write(chunk)
    const afterUrl = afterPhrases.length > 0 ? this.#url.write(afterPhrases) : afterPhrases

    return afterUrl.length > 0 ? this.#tokens.write(afterUrl) : afterUrl
  }

  /** Releases everything held back by every stage, in order. */
  flush(): Buffer {
    this.#syncRules()
    const parts: Buffer[] = []
    const fromPhrases = this.#phrases.flush()
    const fromUrl = [this.#url.write(fromPhrases), this.#url.flush()]
    for (const part of fromUrl) if (part.length > 0) parts.push(this.#tokens.write(part))
    parts.push(this.#tokens.flush())

    return Buffer.concat(parts)
  }

  #syncRules(): void {
    if (this.#version === this.#rules.version) return
    this.#version = this.#rules.version
    this.#phrases.setAutomaton(this.#rules.phrases)
  }
}

/** Masks a whole text at once (for messages built outside a stream). */
export function maskBytes(rules: MaskRules, bytes: Buffer): Buffer {
  const masker = new StreamMasker(rules)

  return Buffer.concat([masker.write(bytes), masker.flush()])
}
