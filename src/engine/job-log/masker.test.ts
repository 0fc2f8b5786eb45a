import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MaskRules, StreamMasker, maskBytes, maskPhrases, tokenMaskPrefixes } from './masker.js'
import { buildByteAutomaton } from './byte-automaton.js'
import { MatchFilter } from './match-filter.js'
import { referenceMask, referencePhrases } from './masking-reference.test-util.js'

function streamMask(rules: MaskRules, chunks: Buffer[]): Buffer {
  const masker = new StreamMasker(rules)
  const parts = chunks.map((chunk) => masker.write(chunk))
  parts.push(masker.flush())

  return Buffer.concat(parts)
}

/** Splits `text` at the given cut points (any order, duplicates allowed). */
function splitAt(text: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let from = 0
  for (const point of points) {
    chunks.push(text.subarray(from, point))
    from = point
  }
  chunks.push(text.subarray(from))

  return chunks
}

function everyByteSplit(text: Buffer): Buffer[] {
  return [...text].map((byte) => Buffer.from([byte]))
}

describe('masking chain', () => {
  it('C-09 masks the longer of two values sharing a prefix first, at every chunk boundary', () => {
    const rules = new MaskRules(['k7Qp2mZx', 'k7Qp2mZx93Lw'], [])
    const text = Buffer.from('a=k7Qp2mZx\nb=k7Qp2mZx93Lw\nc=k7Qp2mZx93L\n')
    const expected = 'a=[MASKED]\nb=[MASKED]\nc=[MASKED]93L\n'
    for (let cut = 0; cut <= text.length; cut++) {
      const out = streamMask(rules, [text.subarray(0, cut), text.subarray(cut)]).toString()
      assert.equal(out, expected, `cut at ${cut}`)
      assert.ok(!out.includes('93Lw'))
    }
    assert.equal(streamMask(rules, everyByteSplit(text)).toString(), expected)
  })

  it('C-10 masks a secret after a repeated start and written in two pieces, holding back only its start', () => {
    const rules = new MaskRules(['Zq9-Zq9-Lm2x'], [])
    const masker = new StreamMasker(rules)
    assert.equal(masker.write(Buffer.from('ZZq9-Zq9-Lm2x\n')).toString(), 'Z[MASKED]\n')
    assert.equal(masker.write(Buffer.from('Zq9-Zq9-Zq9-Lm2x\n')).toString(), 'Zq9-[MASKED]\n')
    // First half: nothing may leave while it could still become the secret.
    assert.equal(masker.write(Buffer.from('Zq9-Zq')).toString(), '')
    assert.equal(masker.heldBytes, 6)
    assert.equal(masker.write(Buffer.from('9-Lm2x\n')).toString(), '[MASKED]\n')
    // A start that turns out not to be the secret is released unchanged.
    assert.equal(masker.write(Buffer.from('Zq9-Zq9-L')).toString(), '')
    assert.equal(masker.write(Buffer.from('mX\n')).toString(), 'Zq9-Zq9-LmX\n')
    assert.equal(masker.heldBytes, 0)
  })

  it('releases exactly the held-back bytes on flush', () => {
    const rules = new MaskRules(['Zq9-Zq9-Lm2x'], [])
    const masker = new StreamMasker(rules)
    assert.equal(masker.write(Buffer.from('abc Zq9-Zq9')).toString(), 'abc ')
    assert.equal(masker.flush().toString(), 'Zq9-Zq9')
    assert.equal(masker.heldBytes, 0)
  })

  it('masks values found anywhere, trims them and ignores empty ones', () => {
    const rules = new MaskRules(['  s3cr3tvalue\n', '', '   '], [])
    assert.equal(maskBytes(rules, Buffer.from('xs3cr3tvaluex s3cr3tvalu')).toString(), 'x[MASKED]x s3cr3tvalu')
    assert.deepEqual(maskPhrases(['b', 'aaa', ' b ', '']).map(String), ['aaa', 'b'])
  })

  it('masks the percent-encoded form of a value too, with either case of hex digits', () => {
    const rules = new MaskRules(['p@ss:w0rd/é'], [])
    const log = 'raw p@ss:w0rd/é url https://u:p%40ss%3Aw0rd%2F%C3%A9@host lower p%40ss%3aw0rd%2f%c3%a9 end'
    assert.equal(maskBytes(rules, Buffer.from(log)).toString(), 'raw [MASKED] url https://u:[MASKED]@host lower [MASKED] end')
    assert.deepEqual(maskPhrases(['plainvalue']).map(String), ['plainvalue'], 'a value that needs no encoding adds nothing')
  })

  it('masks token prefixes and keeps the prefix, across chunk boundaries', () => {
    const rules = new MaskRules([], ['mytok_'])
    const text = Buffer.from('t=glpat-AbC.d_e=f-9 rest glrtr-x mytok_zz! glpat-\n_gitlab_session=abc;')
    const expected = 't=glpat-[MASKED] rest glrtr-[MASKED] mytok_[MASKED]! glpat-\n_gitlab_session=[MASKED];'
    assert.equal(maskBytes(rules, text).toString(), expected)
    assert.equal(streamMask(rules, everyByteSplit(text)).toString(), expected)
  })

  it('masks sensitive URL parameters with any key case, up to & or whitespace', () => {
    const rules = new MaskRules([], [])
    const text = Buffer.from('GET /x?PRIVATE_token=abc&ok=1&X-Amz-Signature=de%2F f?rss_token=&a=b')
    const expected = 'GET /x?PRIVATE_token=[MASKED]&ok=1&X-Amz-Signature=[MASKED] f?rss_token=&a=b'
    assert.equal(streamMask(rules, everyByteSplit(text)).toString(), expected)
  })

  it('uses at most 15 token prefixes, shortest first, always including glpat-', () => {
    const prefixes = tokenMaskPrefixes(['a-', 'b-', 'c-', ' ', 'glpat-'])
    assert.equal(prefixes.length, 15)
    assert.deepEqual(prefixes.slice(0, 3), ['a-', 'b-', 'c-'])
    assert.ok(prefixes.includes('glpat-'))
    assert.ok(!prefixes.includes('_gitlab_session='))
  })

  it('masks values added later, also in bytes still held back', () => {
    const rules = new MaskRules(['zzzzzzzz'], [])
    const masker = new StreamMasker(rules)
    assert.equal(masker.write(Buffer.from('one zz')).toString(), 'one ')
    rules.add('zzlate-secret')
    const out = Buffer.concat([masker.write(Buffer.from('late-secret two')), masker.flush()])
    assert.equal(out.toString(), '[MASKED] two')
  })

  it('passes binary bytes, CR, ANSI and invalid UTF-8 through unchanged', () => {
    const rules = new MaskRules(['secret-value'], [])
    const bytes = Buffer.from([0, 255, 254, 0x0d, 0x1b, 0x5b, 0x33, 0x6d, 0xc3, 0x28, 0xe2, 0x82, 0x0a])
    assert.deepEqual(streamMask(rules, everyByteSplit(bytes)), bytes)
  })
})

// Small alphabets make secrets overlap, repeat and prefix each other; `é` and `€` are multibyte.
const secretChar = fc.constantFrom('a', 'b', 'Z', '9', '-', 'é', '€')
const secret = fc.string({ unit: secretChar, minLength: 1, maxLength: 8 })
const derivedSecrets = fc
  .tuple(fc.array(secret, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 4 }))
  .map(([bases, picks]) => {
    const all = [...bases]
    // Prefixes, suffixes and doubled forms of existing secrets.
    for (const [i, pick] of picks.entries()) {
      const base = bases[pick % bases.length] as string
      const cut = 1 + (pick % Math.max(1, base.length))
      all.push(i % 3 === 0 ? base.slice(0, cut) : i % 3 === 1 ? base.slice(-cut) : base + base)
    }

    return all.map((s, i) => (i === 0 ? ` ${s} ` : s))
  })

const textPiece = (secrets: string[]) =>
  fc.oneof(
    fc.constantFrom(...secrets),
    fc.string({ unit: fc.constantFrom('a', 'b', 'Z', '9', '-', 'é', '\n', ' ', '\r', 'x'), maxLength: 6 }),
    fc.constantFrom('glpat-', 'gl', 'glrt', '?private_token=', '&X-AMZ-CREDENTIAL=', '&', 'tok_', '=.'),
  )

const scenario = derivedSecrets.chain((secrets) =>
  fc.record({
    secrets: fc.constant(secrets),
    text: fc.array(textPiece(secrets), { maxLength: 20 }).map((parts) => Buffer.from(parts.join(''))),
    cuts: fc.array(fc.nat(), { maxLength: 8 }),
  }),
)

describe('masking chain properties', () => {
  it('holds back in the phrase stage only a possible start of a value (shorter than the longest)', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, text, cuts }) => {
        const phrases = maskPhrases(secrets)
        const filter = new MatchFilter(buildByteAutomaton(phrases), { kind: 'replace' })
        const longest = Math.max(...phrases.map((p) => p.length))
        const parts: Buffer[] = []
        let seen = Buffer.alloc(0)
        for (const chunk of splitAt(text, cuts)) {
          parts.push(filter.write(chunk))
          seen = Buffer.concat([seen, chunk])
          assert.ok(filter.heldBytes < longest)
          // What is held is the tail of the input, and a prefix of some value.
          const held = seen.subarray(seen.length - filter.heldBytes)
          assert.ok(held.length === 0 || phrases.some((p) => p.subarray(0, held.length).equals(held)))
        }
        parts.push(filter.flush())
        assert.deepEqual(Buffer.concat(parts), referencePhrases(text, phrases))
      }),
      { numRuns: 300 },
    )
  })

  it('streams to the same bytes as masking the whole text, wherever the chunks are cut', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, text, cuts }) => {
        const rules = new MaskRules(secrets, ['tok_'])
        const expected = referenceMask(text, secrets, ['tok_'])
        assert.deepEqual(streamMask(rules, splitAt(text, cuts)), expected)
      }),
      { numRuns: 400 },
    )
  })

  it('never lets a masked value through', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, text, cuts }) => {
        const out = streamMask(new MaskRules(secrets, []), splitAt(text, cuts))
        for (const value of maskPhrases(secrets)) assert.equal(out.indexOf(value), -1)
      }),
      { numRuns: 300 },
    )
  })

  it('holds back fewer bytes than the longest value, and flush releases exactly the masked prefix', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, text, cuts }) => {
        const rules = new MaskRules(secrets, [])
        const longest = Math.max(...maskPhrases(secrets).map((p) => p.length))
        const masker = new StreamMasker(rules)
        const chunks = splitAt(text, cuts)
        const head = chunks.slice(0, Math.max(1, chunks.length - 1))
        const parts: Buffer[] = []
        for (const chunk of head) {
          parts.push(masker.write(chunk))
          // Phrase stage < longest; URL stage < 22 (`&x-amz-security-token=`); tokens < 16.
          assert.ok(masker.heldBytes <= longest - 1 + 21 + 15, `held ${masker.heldBytes}`)
        }
        parts.push(masker.flush())
        assert.equal(masker.heldBytes, 0)
        assert.deepEqual(Buffer.concat(parts), referenceMask(Buffer.concat(head), secrets))
      }),
      { numRuns: 300 },
    )
  })
})
