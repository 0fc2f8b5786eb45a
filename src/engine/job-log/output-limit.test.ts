import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createJobLog } from './job-log.js'
import { outputLimitNotice } from './output-limit.js'
import { createTraceBuffer } from './trace-buffer.js'
import { SCRIPT_STREAM, type JobLogOptions } from './types.js'

function setup(options: Partial<JobLogOptions>) {
  const trace = createTraceBuffer()
  const limits: number[] = []
  const log = createJobLog(trace, {
    maskedValues: [],
    extraTokenPrefixes: [],
    timestamps: false,
    outputLimitBytes: 4 * 1024 * 1024,
    sections: false,
    now: () => new Date('2024-05-14T09:00:00.123Z'),
    onOutputLimit: (limit) => limits.push(limit),
    ...options,
  })

  return { trace, log, limits }
}

describe('output limit', () => {
  it('writes the exact notice GitLab users know', () => {
    assert.equal(
      outputLimitNotice(4194304).toString(),
      "\n\x1b[33;1mJob's log exceeded limit of 4194304 bytes.\n" +
        'Job execution will continue but no more output will be collected.\x1b[0;m\n',
    )
  })

  it('truncates at the limit, appends the notice once and drops everything after', () => {
    const { trace, log, limits } = setup({ outputLimitBytes: 10 })
    const out = log.stream(SCRIPT_STREAM, 'O')
    out.write('12345')
    out.write('67890')
    assert.equal(log.truncated, false)
    out.write('abc')
    assert.equal(log.truncated, true)
    out.write('more')
    log.error('Job failed')
    log.info('Job succeeded')
    log.close()
    assert.deepEqual(trace.read(0, trace.size), Buffer.concat([Buffer.from('1234567890'), outputLimitNotice(10)]))
    assert.deepEqual(limits, [10])
  })

  it('does not split a UTF-8 character at the limit', () => {
    const { trace, log } = setup({ outputLimitBytes: 5 })
    log.stream(SCRIPT_STREAM, 'O').write('abc€d')
    assert.deepEqual(trace.read(0, trace.size), Buffer.concat([Buffer.from('abc'), outputLimitNotice(5)]))
  })

  it('counts the bytes after masking and timestamps', () => {
    const masked = setup({ outputLimitBytes: 10, maskedValues: ['a-very-long-secret'] })
    masked.log.stream(SCRIPT_STREAM, 'O').write('a-very-long-secret\n')
    assert.equal(masked.log.truncated, false)
    assert.equal(masked.trace.read(0, 100).toString(), '[MASKED]\n')

    const stamped = setup({ outputLimitBytes: 40, timestamps: true })
    stamped.log.stream(SCRIPT_STREAM, 'O').write('0123456789\n')
    assert.equal(stamped.log.truncated, true)
    assert.equal(
      stamped.trace.read(0, 1000).toString(),
      '2024-05-14T09:00:00.123000Z 01O 01234567' + outputLimitNotice(40).toString(),
    )
  })
})
