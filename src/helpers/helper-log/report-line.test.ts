import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatHelperLine, helperInfo, notice, scriptWarning, warningsOf } from './report-line.js'

describe('formatHelperLine', () => {
  it('pads the message to 50 columns and appends sorted fields, as in the spec example', () => {
    const line = formatHelperLine(
      {
        level: 'info',
        message: 'Uploading artifacts as "archive" to coordinator... 201 Created',
        fields: { token: 'glcbt-64', id: '123', responseStatus: '201 Created', correlation_id: '01J' },
      },
      { colour: false },
    )

    assert.equal(
      line,
      'Uploading artifacts as "archive" to coordinator... 201 Created  correlation_id=01J id=123 responseStatus=201 Created token=glcbt-64',
    )
  })

  it('colours warnings with their prefix counted in the 50 columns, keys in the level colour', () => {
    const line = formatHelperLine({ level: 'warning', message: 'Retrying...', fields: { context: 'artifacts-uploader' } })

    assert.equal(line, `\x1b[0;33m${'WARNING: Retrying...'.padEnd(50)}\x1b[0;m  \x1b[0;33mcontext\x1b[0;m=artifacts-uploader`)
  })

  it('collects warnings from script and helper lines only', () => {
    const lines = [notice('Checking cache for k...'), helperInfo('found'), scriptWarning('Failed to extract cache'), { kind: 'helper' as const, level: 'error' as const, message: 'boom' }]

    assert.deepEqual(warningsOf(lines), ['Failed to extract cache', 'boom'])
  })
})
