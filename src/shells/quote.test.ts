import { test } from 'node:test'
import assert from 'node:assert/strict'
import { quoteAnsiC, quotePathLikeGo, quotePosix } from './quote.js'

test('ANSI-C quoting leaves safe words bare and empty words as two quotes', () => {
  assert.equal(quoteAnsiC('abc-1.2/x@y_z,w'), 'abc-1.2/x@y_z,w')
  assert.equal(quoteAnsiC(''), "''")
})

test('ANSI-C quoting escapes C escapes, quotes, backslashes and non-ASCII bytes as lowercase hex', () => {
  assert.equal(quoteAnsiC("a b'c\\d\n\t\x1b"), "$'a b\\'c\\\\d\\n\\t\\x1b'")
  assert.equal(quoteAnsiC('é'), "$'\\xc3\\xa9'")
  assert.equal(quoteAnsiC('$(x) `y` "z"'), "$'$(x) `y` \"z\"'")
  assert.equal(quoteAnsiC('\x07\b\v\f\r\x7f'), "$'\\a\\b\\v\\f\\r\\x7f'")
})

test('POSIX quoting wraps in double quotes and escapes only backtick, quote, backslash and dollar', () => {
  assert.equal(quotePosix('plain'), 'plain')
  assert.equal(quotePosix(''), "''")
  assert.equal(quotePosix('a `b` "c" \\d $e'), '"a \\`b\\` \\"c\\" \\\\d \\$e"')
  assert.equal(quotePosix("it's;\n"), '"it\'s;\n"')
})

test('Go-like path quoting falls back to the shell quoter when the path holds expandable characters', () => {
  assert.equal(quotePathLikeGo('/builds/a b/c', quoteAnsiC), '"/builds/a b/c"')
  assert.equal(quotePathLikeGo('/builds/$(touch x)', quoteAnsiC), "$'/builds/$(touch x)'")
  assert.equal(quotePathLikeGo('/b/`x`', quotePosix), '"/b/\\`x\\`"')
})
