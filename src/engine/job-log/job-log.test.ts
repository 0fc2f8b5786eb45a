import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createJobLog } from './job-log.js'
import { createTraceBuffer } from './trace-buffer.js'
import { SCRIPT_STREAM, type JobLogOptions, type WritableTraceStore } from './types.js'

const NOW = new Date('2024-05-14T09:00:00.123Z')

function setup(options: Partial<JobLogOptions> = {}): { trace: WritableTraceStore; log: ReturnType<typeof createJobLog> } {
  const trace = createTraceBuffer()
  const log = createJobLog(trace, {
    maskedValues: [],
    extraTokenPrefixes: [],
    timestamps: false,
    outputLimitBytes: 4 * 1024 * 1024,
    sections: true,
    now: () => NOW,
    ...options,
  })

  return { trace, log }
}

const text = (trace: WritableTraceStore): string => trace.read(0, trace.size).toString('latin1')

describe('job log primitives', () => {
  it('writes the four line primitives byte for byte', () => {
    const { trace, log } = setup()
    log.println('Running with gitlab-runner 19.4.0 (abcdef12)')
    log.info('Job succeeded')
    log.warning('be careful')
    log.error('Job failed: exit status 1')
    assert.equal(
      text(trace),
      '\x1b[0KRunning with gitlab-runner 19.4.0 (abcdef12)\x1b[0;m\n' +
        '\x1b[32;1mJob succeeded\x1b[0;m\n' +
        '\x1b[0;33mWARNING: be careful\x1b[0;m\n' +
        '\x1b[31;1mERROR: Job failed: exit status 1\x1b[0;m\n',
    )
  })

  it('writes section markers with options, and none when sections are off', () => {
    const { trace, log } = setup()
    log.sectionStart('get_sources')
    log.println('\x1b[36;1mGetting source from Git repository\x1b[0;m')
    log.sectionEnd('get_sources')
    log.sectionStart('step_1', { collapsed: true, hideDuration: true })
    log.sectionStart('step 2/x', { hideDuration: true })
    assert.equal(
      text(trace),
      'section_start:1715677200:get_sources\r\x1b[0K' +
        '\x1b[0K\x1b[36;1mGetting source from Git repository\x1b[0;m\x1b[0;m\n' +
        'section_end:1715677200:get_sources\r\x1b[0K' +
        'section_start:1715677200:step_1[collapsed=true,hide_duration=true]\r\x1b[0K' +
        'section_start:1715677200:step_2_x[hide_duration=true]\r\x1b[0K',
    )
    const off = setup({ sections: false })
    off.log.sectionStart('get_sources')
    off.log.sectionEnd('get_sources')
    assert.equal(off.trace.size, 0)
  })

  it('masks runner messages and script output the same way', () => {
    const { trace, log } = setup({ maskedValues: ['hunter2-secret'] })
    log.println('token hunter2-secret and glpat-abc123')
    const out = log.stream(SCRIPT_STREAM, 'O')
    out.write('echo hunter2-')
    out.write(Buffer.from('secret\n'))
    log.close()
    assert.equal(
      text(trace),
      '\x1b[0Ktoken [MASKED] and glpat-[MASKED]\x1b[0;m\n' + 'echo [MASKED]\n',
    )
  })

  it('C-09 shows only the short value masked when the long one is not complete, in the job log', () => {
    const { trace, log } = setup({ maskedValues: ['k7Qp2mZx', 'k7Qp2mZx93Lw'] })
    const out = log.stream(SCRIPT_STREAM, 'O')
    for (const byte of Buffer.from('a=k7Qp2mZx\nb=k7Qp2mZx93Lw\nc=k7Qp2mZx93L\n')) out.write(Buffer.from([byte]))
    log.close()
    assert.equal(text(trace), 'a=[MASKED]\nb=[MASKED]\nc=[MASKED]93L\n')
  })

  it('C-10 keeps the first half of a secret out of the trace until the rest decides it', () => {
    const { trace, log } = setup({ maskedValues: ['Zq9-Zq9-Lm2x'] })
    const out = log.stream(SCRIPT_STREAM, 'O')
    out.write('ZZq9-Zq9-Lm2x\nZq9-Zq9-Zq9-Lm2x\n')
    out.write('Zq9-Zq')
    assert.equal(text(trace), 'Z[MASKED]\nZq9-[MASKED]\n')
    out.write('9-Lm2x\n')
    log.close()
    assert.equal(text(trace), 'Z[MASKED]\nZq9-[MASKED]\n[MASKED]\n')
  })

  it('keeps each stream masked on its own and passes CR, ANSI and binary bytes through', () => {
    const { trace, log } = setup({ maskedValues: ['abcdefgh'] })
    const stdout = log.stream(SCRIPT_STREAM, 'O')
    const stderr = log.stream(SCRIPT_STREAM, 'E')
    assert.equal(log.stream(SCRIPT_STREAM, 'O'), stdout)
    stdout.write('abcd')
    stderr.write(Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x0d, 0xff, 0x00, 0x0a]))
    stdout.write('efgh\n')
    log.close()
    assert.deepEqual(
      trace.read(0, trace.size),
      Buffer.concat([Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x0d, 0xff, 0x00, 0x0a]), Buffer.from('[MASKED]\n')]),
    )
  })

  it('masks values added while the job runs and ignores writes after close', () => {
    const { trace, log } = setup()
    const out = log.stream(SCRIPT_STREAM, 'O')
    out.write('before s3cr3t-value\n')
    log.addMaskedValue('s3cr3t-value')
    out.write('after s3cr3t-value\n')
    log.close()
    out.write('ignored\n')
    log.println('ignored')
    assert.equal(text(trace), 'before s3cr3t-value\nafter [MASKED]\n')
  })

  it('never mixes the logs of two jobs running at once', () => {
    const a = setup({ maskedValues: ['only-in-job-a'] })
    const b = setup()
    a.log.stream(SCRIPT_STREAM, 'O').write('only-in-')
    b.log.stream(SCRIPT_STREAM, 'O').write('job b only-in-job-a\n')
    a.log.stream(SCRIPT_STREAM, 'O').write('job-a\n')
    a.log.close()
    b.log.close()
    assert.equal(text(a.trace), '[MASKED]\n')
    assert.equal(text(b.trace), 'job b only-in-job-a\n')
  })
})
