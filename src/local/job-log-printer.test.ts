import assert from 'node:assert/strict'
import { test } from 'node:test'
import { JobLogPrinter } from './job-log-printer.js'

const stamp = '2026-05-20T10:15:30.123456Z 01O '

test('lines get their job name, lose timestamps and section markers, and wait for their newline', () => {
  let out = ''
  const printer = new JobLogPrinter({ colour: false, write: (text) => (out += text) }, ['build', 'test'])

  printer.write('build', Buffer.from(`${stamp}section_start:1:step_script\r\x1b[0K\n${stamp}\x1b[32;1m$ make\x1b[0;m\n${stamp}par`))
  printer.write('test', Buffer.from(`${stamp}ok\n`))
  printer.write('build', Buffer.from('tial\n'))

  assert.equal(out, 'build | $ make\ntest  | ok\nbuild | partial\n')
})

test('on a terminal a status line stays under the log and is redrawn in place', () => {
  let out = ''
  const printer = new JobLogPrinter({ colour: true, live: true, write: (text) => (out += text) }, ['build'])

  printer.setStatus('⏵ build 1s · 0/1 done')
  printer.message('note')
  printer.setStatus('')

  assert.equal(out, '\r\x1b[2K\x1b[2m⏵ build 1s · 0/1 done\x1b[0m' + '\r\x1b[2Knote\n\x1b[2m⏵ build 1s · 0/1 done\x1b[0m' + '\r\x1b[2K')
})

test('without a terminal there is no status line', () => {
  let out = ''
  const printer = new JobLogPrinter({ colour: false, write: (text) => (out += text) }, ['build'])

  printer.setStatus('⏵ build 1s')
  printer.message('note')

  assert.equal(out, 'note\n')
})

test('a line the log limit cut inside its timestamp header is not printed; short output lines are', () => {
  let out = ''
  const printer = new JobLogPrinter({ colour: false, write: (text) => (out += text) }, ['huge'])

  printer.write('huge', Buffer.from(`${stamp}aaaa\n20\n\nJob's log exceeded limit of 100 bytes.\n${stamp}42\n2026-05-2\n`))

  assert.equal(out, "huge | aaaa\nhuge | \nhuge | Job's log exceeded limit of 100 bytes.\nhuge | 42\n")
})

test('without timestamps a short line that looks like the start of a header is output', () => {
  let out = ''
  const printer = new JobLogPrinter({ colour: false, write: (text) => (out += text) }, ['plain'])

  printer.write('plain', Buffer.from('20\n2026-05\n'))

  assert.equal(out, 'plain | 20\nplain | 2026-05\n')
})
