import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createJobLog } from './job-log.js'
import { createTraceBuffer } from './trace-buffer.js'
import { SCRIPT_STREAM, type JobLogOptions } from './types.js'

const H = '2024-05-14T09:00:00.123000Z'

function setup(options: Partial<JobLogOptions> = {}) {
  const trace = createTraceBuffer()
  const log = createJobLog(trace, {
    maskedValues: [],
    extraTokenPrefixes: [],
    timestamps: true,
    outputLimitBytes: 4 * 1024 * 1024,
    sections: true,
    now: () => new Date('2024-05-14T09:00:00.123Z'),
    ...options,
  })
  const text = (): string => trace.read(0, trace.size).toString('latin1')

  return { trace, log, text }
}

describe('job log timestamps', () => {
  it('prefixes runner lines and section markers with the 32-byte header of stream 00', () => {
    const { log, text } = setup()
    log.sectionStart('prepare_executor')
    log.println('Preparing')
    log.sectionEnd('prepare_executor')
    assert.equal(
      text(),
      `${H} 00O section_start:1715677200:prepare_executor\r\x1b[0K\n` +
        `${H} 00O \x1b[0KPreparing\x1b[0;m\n` +
        `${H} 00O section_end:1715677200:prepare_executor\r\x1b[0K\n`,
    )
    assert.equal(`${H} 00O `.length, 32)
  })

  it('gives every script line a header, with stdout and stderr told apart', () => {
    const { log, text } = setup()
    log.stream(SCRIPT_STREAM, 'O').write('one\ntwo\n')
    log.stream(SCRIPT_STREAM, 'E').write('oops\n')
    log.println('multi\nline')
    assert.equal(
      text(),
      `${H} 01O one\n${H} 01O two\n${H} 01E oops\n${H} 00O \x1b[0Kmulti\n${H} 00O line\x1b[0;m\n`,
    )
  })

  it('continues a line split by another stream with a + header', () => {
    const { log, text } = setup()
    const stdout = log.stream(SCRIPT_STREAM, 'O')
    stdout.write('abc')
    stdout.write('def')
    log.stream(SCRIPT_STREAM, 'E').write('err\n')
    stdout.write('ghi\n')
    assert.equal(text(), `${H} 01O abcdef\n${H} 01E err\n${H} 01O+ghi\n`)
  })

  it('splits at a lone CR but keeps CRLF one line end, also across writes', () => {
    const { log, text } = setup()
    const stdout = log.stream(SCRIPT_STREAM, 'O')
    stdout.write('10%\r20%\r')
    stdout.write('30%\r\nnext\r')
    stdout.write('\ndone\n')
    assert.equal(
      text(),
      `${H} 01O 10%\r\n${H} 01O+20%\r\n${H} 01O+30%\r\n${H} 01O next\r\n${H} 01O done\n`,
    )
  })

  it('continues a line after 8 KiB without a newline, never splitting a UTF-8 character', () => {
    const { log, text } = setup()
    const stdout = log.stream(SCRIPT_STREAM, 'O')
    stdout.write('x'.repeat(8192) + 'yy\n')
    stdout.write('z'.repeat(8191) + '€!\n')
    assert.equal(
      text(),
      `${H} 01O ${'x'.repeat(8192)}\n${H} 01O+yy\n` +
        `${H} 01O ${'z'.repeat(8191)}\n${H} 01O+${Buffer.from('€').toString('latin1')}!\n`,
    )
  })

  it('ends a partial line on flush and masks before adding headers', () => {
    const { log, text } = setup({ maskedValues: ['Zq9-Zq9-Lm2x'] })
    const stdout = log.stream(SCRIPT_STREAM, 'O')
    stdout.write('key Zq9-Zq')
    stdout.write('9-Lm2x tail')
    stdout.flush()
    stdout.write('more\n')
    assert.equal(text(), `${H} 01O key [MASKED] tail\n${H} 01O+more\n`)
  })

  it('uses microseconds from the real clock and never goes backwards', () => {
    const trace = createTraceBuffer()
    const log = createJobLog(trace, {
      maskedValues: [], extraTokenPrefixes: [], timestamps: true, outputLimitBytes: 1 << 20, sections: false,
    })
    for (let i = 0; i < 50; i++) log.info(`line ${i}`)
    const lines = trace.read(0, trace.size).toString().split('\n').filter((l) => l !== '')
    const stamps = lines.map((line) => line.slice(0, 27))
    for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z 00O \x1b\[32;1mline \d+/)
    assert.deepEqual([...stamps].sort(), stamps)
    const first = Date.parse(stamps[0] as string)
    assert.ok(Math.abs(first - Date.now()) < 60_000)
  })
})

describe('job log timestamps properties', () => {
  it('gives the same bytes for one stream however its output is cut into writes', async () => {
    const fc = (await import('fast-check')).default
    const piece = fc.constantFrom('a', 'é', '\r', '\n', '\r\n', 'x'.repeat(3000), '€'.repeat(1000))
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 5 }), (pieces, cuts) => {
        const whole = Buffer.from(pieces.join(''))
        const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b)
        const once = setup()
        once.log.stream(SCRIPT_STREAM, 'O').write(whole)
        once.log.close()
        const split = setup()
        let from = 0
        for (const point of [...points, whole.length]) {
          split.log.stream(SCRIPT_STREAM, 'O').write(whole.subarray(from, point))
          from = point
        }
        split.log.close()
        assert.equal(split.text(), once.text())
        // Removing the headers and the `\n` added before each `+` entry gives back the output.
        const entries = once.text().split(/(?=2024-05-14T09:00:00\.123000Z 01O[ +])/).filter((e) => e !== '')
        let restored = ''
        for (const [i, entry] of entries.entries()) {
          assert.equal(entry.at(-1), '\n')
          const next = entries[i + 1]
          const added = next === undefined ? !whole.toString('latin1').endsWith('\n') : next[31] === '+'
          restored += entry.slice(32, added ? -1 : undefined)
        }
        assert.equal(restored, whole.toString('latin1'))
      }),
      { numRuns: 150 },
    )
  })
})
