import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createTraceBuffer } from '../engine/job-log/trace-buffer.js'
import { trackStages, trackedStage } from './stage-tracker.js'

function record() {
  const events: string[] = []
  let clock = 0
  const store = trackStages(
    createTraceBuffer(),
    { stageStarted: (stage) => events.push(`start ${stage}`), stageEnded: (stage, ms) => events.push(`end ${stage} ${ms}`) },
    () => (clock += 10),
  )

  return { store, events }
}

describe('stage tracker', () => {
  it('maps step names onto a closed set and ignores sections that are not stages', () => {
    assert.equal(trackedStage('get_sources'), 'get_sources')
    assert.equal(trackedStage('step_script'), 'step_script')
    assert.equal(trackedStage('step_deploy_to_prod_42'), 'step_other')
    assert.equal(trackedStage('my_custom_section'), undefined)
  })

  it('reports stage starts and ends from markers, also when a marker is split across appends', () => {
    const { store, events } = record()
    store.append(Buffer.from('section_start:1700000000:get_sources\r\x1b[0K\x1b[36;1mGetting source\x1b[0;m\n'))
    store.append(Buffer.from('section_end:1700000001:get_sou'))
    store.append(Buffer.from('rces\r\x1b[0Ksection_start:1700000001:my_section\r\x1b[0K\n'))
    store.append(Buffer.from('section_start:1700000002:step_build_all\r\x1b[0K\nhello\n'))
    assert.deepEqual(events, ['start get_sources', 'end get_sources 10', 'start step_other'])
    assert.match(store.read(0, 10_000).toString(), /get_sources\r\x1b\[0Ksection_start/)
  })
})
