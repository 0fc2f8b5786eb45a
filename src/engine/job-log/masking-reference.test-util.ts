/**
 * A deliberately simple whole-text masker: the specification the streaming filters are
 * checked against. It scans position by position and tries every pattern, longest first.
 */
import { MASKED_URL_PARAMS, maskPhrases, tokenMaskPrefixes } from './masker.js'

const MASKED = Buffer.from('[MASKED]')

function startsAt(text: Buffer, pattern: Buffer, at: number, ci: boolean): boolean {
  if (at + pattern.length > text.length) return false
  for (let k = 0; k < pattern.length; k++) {
    let a = text[at + k] as number
    let b = pattern[k] as number
    if (ci) {
      if (a >= 0x41 && a <= 0x5a) a += 0x20
      if (b >= 0x41 && b <= 0x5a) b += 0x20
    }
    if (a !== b) return false
  }

  return true
}

function longestFirst(patterns: Buffer[]): Buffer[] {
  return [...patterns].sort((a, b) => b.length - a.length)
}

export function referencePhrases(text: Buffer, phrases: Buffer[]): Buffer {
  const sorted = longestFirst(phrases)
  const out: number[] = []
  let p = 0
  outer: while (p < text.length) {
    for (const phrase of sorted) {
      if (startsAt(text, phrase, p, false)) {
        out.push(...MASKED)
        p += phrase.length
        continue outer
      }
    }
    out.push(text[p] as number)
    p++
  }

  return Buffer.from(out)
}

export function referencePrefixRun(
  text: Buffer,
  prefixes: Buffer[],
  inRun: (byte: number) => boolean,
  ci: boolean,
): Buffer {
  const sorted = longestFirst(prefixes)
  const out: number[] = []
  let p = 0
  outer: while (p < text.length) {
    for (const prefix of sorted) {
      if (startsAt(text, prefix, p, ci)) {
        out.push(...text.subarray(p, p + prefix.length))
        let q = p + prefix.length
        while (q < text.length && inRun(text[q] as number)) q++
        if (q > p + prefix.length) out.push(...MASKED)
        p = q
        continue outer
      }
    }
    out.push(text[p] as number)
    p++
  }

  return Buffer.from(out)
}

const tokenRun = (b: number): boolean => /[A-Za-z0-9._=-]/.test(String.fromCharCode(b))
const urlRun = (b: number): boolean => b !== 0x26 && !/[ \t\n\v\f\r]/.test(String.fromCharCode(b))

/** The whole chain of spec section 9 on a whole text. */
export function referenceMask(text: Buffer, maskedValues: string[], extraPrefixes: string[] = []): Buffer {
  const phrases = maskPhrases(maskedValues)
  const urlKeys = MASKED_URL_PARAMS.flatMap((k) => [Buffer.from(`?${k}=`), Buffer.from(`&${k}=`)])
  const prefixes = tokenMaskPrefixes(extraPrefixes).map((p) => Buffer.from(p))
  const afterPhrases = referencePhrases(text, phrases)
  const afterUrl = referencePrefixRun(afterPhrases, urlKeys, urlRun, true)

  return referencePrefixRun(afterUrl, prefixes, tokenRun, false)
}
