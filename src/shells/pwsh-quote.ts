/**
 * PowerShell quoting (executors.md 3.3): commands in double quotes with backtick escapes,
 * arguments in single quotes with `'` doubled. Both keep every other byte verbatim, so a
 * value can never end the string or expand a variable.
 */

const DOUBLE_QUOTE_ESCAPES: Readonly<Record<string, string>> = {
  '`': '``',
  '\0': '`0',
  '\n': '`n',
  '\r': '`r',
  '\t': '`t',
  '\x07': '`a',
  '\b': '`b',
  '\f': '`f',
  '\v': '`v',
  '#': '`#',
  "'": "`'",
  '"': '`"',
  $: '`$',
  // PowerShell also ends a double-quoted string at typographic double quotes.
  '\u201c': '`\u201c',
  '\u201d': '`\u201d',
  '\u201e': '`\u201e',
}

/** `"…"` with backtick escapes; `$`, quotes and control characters stay literal. */
export function pwshDoubleQuote(value: string): string {
  return `"${value.replace(/[`\0\n\r\t\x07\b\f\v#'"$\u201c\u201d\u201e]/g, (char) => DOUBLE_QUOTE_ESCAPES[char] ?? char)}"`
}

/** `'…'` with `'` (and its typographic forms, which PowerShell treats alike) doubled. */
export function pwshSingleQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (char) => char + char)}'`
}
