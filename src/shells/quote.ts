/**
 * Quoting of words that reach generated shell scripts. Every value that comes from a
 * payload, a config file or a path goes through one of these, so it arrives as data and
 * is never run as code.
 */

const BARE = /^[A-Za-z0-9,\-./@_]+$/

const ANSI_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  "'": "\\'",
  '\\': '\\\\',
}

/** Printable ASCII kept verbatim inside `$'…'` (letters, digits and punctuation). */
function isPlainAnsiByte(byte: number): boolean {
  return byte >= 0x20 && byte < 0x7f
}

/**
 * ANSI-C quoting (`$'…'`) as the official runner writes it: bare when only
 * `A-Za-z0-9,-./@_`, `''` when empty, otherwise `$'…'` with C escapes and every byte
 * outside printable ASCII as lowercase `\xHH` (UTF-8 sequences byte by byte).
 */
export function quoteAnsiC(value: string): string {
  if (value === '') return "''"
  if (BARE.test(value)) return value

  let out = "$'"
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte)
    const escape = ANSI_ESCAPES[char]
    if (escape !== undefined) out += escape
    else if (isPlainAnsiByte(byte)) out += char
    else out += `\\x${byte.toString(16).padStart(2, '0')}`
  }

  return `${out}'`
}

/**
 * POSIX double-quote quoting for shells without `$'…'` (dash): bare when only safe
 * characters, otherwise `"…"` with `` ` `` `"` `\` `$` backslash-escaped; every other
 * byte (newlines, control bytes, UTF-8) stays verbatim, which double quotes preserve.
 * Unlike the official runner's trigger list, any character outside the bare set forces
 * quoting, so `;`, `'`, `~` or a newline can never end the word.
 */
export function quotePosix(value: string): string {
  if (value === '') return "''"
  if (BARE.test(value)) return value

  return `"${value.replace(/[`"\\$]/g, (char) => `\\${char}`)}"`
}

export type Quoter = (value: string) => string

/** Characters that make Go-`%q`-style `"…"` quoting unsafe for a shell. */
const UNSAFE_IN_DOUBLE_QUOTES = /[`"\\$\x00-\x1f\x7f]/

/**
 * The official runner writes some paths with Go's `%q` (`mkdir -p "<tmp>"`). That is a
 * plain `"…"` for ordinary paths; for a path holding `$`, a backtick, a quote, a backslash
 * or a control byte, `%q` would let the shell expand it, so the safe quoter is used
 * instead.
 */
export function quotePathLikeGo(value: string, fallback: Quoter): string {
  if (UNSAFE_IN_DOUBLE_QUOTES.test(value) || !isValidUtf8Text(value)) return fallback(value)

  return `"${value}"`
}

function isValidUtf8Text(value: string): boolean {
  // Lone surrogates cannot be written as UTF-8; they would change on the way.
  return !/[\ud800-\udfff]/u.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))
}
