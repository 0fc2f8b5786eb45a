/**
 * GitLab matches `rules:if` patterns with RE2. JavaScript's engine differs, so a pattern is
 * translated: RE2-only syntax is rewritten (`\A`, `\z`, `(?P<n>`, `[[:alpha:]]`, `\Q..\E`,
 * ungreedy `U`) and what RE2 refuses (backreferences, lookaround, `\Z`) is refused here too.
 */

export class Re2SyntaxError extends Error {}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
}

const FLAG_LETTERS = /^[imsU]*$/

/** Compiles an RE2 pattern with GitLab's flags (`i`, `m`, `s`, `U`) into a JS RegExp. */
export function compileRe2(source: string, flags: string): RegExp {
  if (!FLAG_LETTERS.test(flags)) throw new Re2SyntaxError(`unknown flag in ${flags}`)

  let pattern = source
  let allFlags = flags
  // A leading inline flag group `(?i)` is common in RE2 patterns and has no JS equivalent.
  // Right after a leading `^` it applies to the whole pattern just the same.
  const inline = /^(\^?)\(\?([imsU]+)\)/.exec(pattern)
  if (inline !== null) {
    allFlags += inline[2]
    pattern = `${inline[1]}${pattern.slice(inline[0].length)}`
  }

  const translated = translate(pattern, allFlags.includes('U'))
  const jsFlags = [...new Set(allFlags.replace(/U/g, '').split(''))].join('')
  const unicode = /\\[pP]/.test(translated) ? 'u' : ''
  try {
    return new RegExp(translated, jsFlags + unicode)
  } catch (error) {
    throw new Re2SyntaxError(error instanceof Error ? error.message : String(error))
  }
}

function translate(pattern: string, ungreedy: boolean): string {
  let out = ''
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string
    const next = pattern[i + 1]
    if (char === '\\') {
      if (next === undefined) throw new Re2SyntaxError('trailing backslash')
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2)
        const literal = pattern.slice(i + 2, end === -1 ? undefined : end)
        out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
        i = end === -1 ? pattern.length : end + 1
        continue
      }

      if (!inClass && next === 'A') out += '(?<![\\s\\S])'
      else if (!inClass && next === 'z') out += '(?![\\s\\S])'
      else if (/[1-9]/.test(next) || next === 'Z' || next === 'k' || next === 'C') {
        throw new Re2SyntaxError(`invalid escape \\${next}`)
      } else out += `\\${next}`
      i += 1
      continue
    }

    if (inClass) {
      const posix = /^\[:(\^?)(\w+):\]/.exec(pattern.slice(i))
      if (char === '[' && posix !== null) {
        const body = POSIX_CLASSES[posix[2] ?? '']
        if (body === undefined || posix[1] === '^') throw new Re2SyntaxError('invalid character class range')
        out += body
        i += posix[0].length - 1
        continue
      }

      if (char === ']') inClass = false
      out += char
      continue
    }

    if (char === '[') {
      inClass = true
      out += char
      if (next === '^') {
        out += '^'
        i += 1
      }
      if (pattern[i + 1] === ']') {
        out += '\\]'
        i += 1
      }
      continue
    }

    if (char === '(' && next === '?') {
      const rest = pattern.slice(i + 2)
      if (/^(?:=|!|<=|<!)/.test(rest)) throw new Re2SyntaxError('lookaround is not supported')
      if (rest.startsWith('P<')) {
        out += '(?<'
        i += 3
        continue
      }
      if (/^[imsU-]+[:)]/.test(rest)) throw new Re2SyntaxError('inline flags are only supported at the start')
    }

    out += char
    if (ungreedy && /[*+?}]/.test(char) && isQuantifier(pattern, i)) {
      if (pattern[i + 1] === '?') i += 1
      else out += '?'
    }
  }

  if (inClass) throw new Re2SyntaxError('missing closing ]')

  return out
}

// `?` directly after `(` is group syntax, not a quantifier; `}` ends a quantifier only after `{n`.
function isQuantifier(pattern: string, index: number): boolean {
  const char = pattern[index]
  if (char === '?' && pattern[index - 1] === '(') return false
  if (char === '}') return /\{\d+(?:,\d*)?$/.test(pattern.slice(0, index))

  return true
}
