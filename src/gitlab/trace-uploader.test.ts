import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { afterEach, describe, it } from 'node:test'
import { resetSink, startTraceSink, type TraceSink } from '../../test/helpers/trace-sink.js'
import { createTraceBuffer } from '../engine/job-log/trace-buffer.js'
import { createApiClient } from './api-client.js'
import { buildRunnerInfo } from './runner-info.js'
import { TraceUploader, type TraceUploaderOptions } from './trace-uploader.js'

const info = buildRunnerInfo({ executor: 'shell' })
const fast = { updateIntervalMs: 10, forceSendIntervalMs: 60_000, intervalUnitMs: 5, finalBackoffMinMs: 5 }

describe('TraceUploader', () => {
  let sink: TraceSink
  afterEach(async () => sink?.close())

  function uploader(overrides: Partial<TraceUploaderOptions> = {}) {
    const trace = createTraceBuffer()
    const events: string[] = []
    const up = new TraceUploader({
      client: createApiClient({ url: sink.url, retryBackoffMinMs: 1 }),
      jobId: 7,
      jobToken: 'glcbt-job-token',
      trace,
      info,
      debugTrace: false,
      onCancelRequested: () => events.push('cancel'),
      onAbort: () => events.push('abort'),
      timing: fast,
      ...overrides,
    })

    return { up, trace, events }
  }

  it('sends 2.5 MiB in contiguous inclusive ranges of at most 1 MiB and stores it byte for byte', async () => {
    sink = await startTraceSink()
    const { up, trace } = uploader()
    const data = randomBytes(2.5 * 1024 * 1024)
    trace.append(data)
    up.start()
    assert.equal(await up.finish({ state: 'success' }), 'accepted')

    const sent = sink.patches.filter((patch) => patch.status === 202)
    assert.deepEqual(sent.map((patch) => `${patch.start}-${patch.end}`), ['0-1048575', '1048576-2097151', '2097152-2621439'])
    assert.ok(sink.stored().equals(data))
    const final = sink.puts.at(-1)!
    assert.equal(final.state, 'success')
    assert.deepEqual(final.output, { checksum: trace.checksum(), bytesize: data.length })
  })

  it('sends a backlog of full chunks back to back at once, and leaves a partial chunk for the next tick', async () => {
    sink = await startTraceSink()
    const { up, trace } = uploader({ timing: { ...fast, updateIntervalMs: 5_000 } })
    trace.append(randomBytes(3.5 * 1024 * 1024))
    up.start()
    const deadline = Date.now() + 4_000
    while (sink.patches.filter((patch) => patch.status === 202).length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    await new Promise((resolve) => setTimeout(resolve, 300))

    const sent = sink.patches.filter((patch) => patch.status === 202).map((patch) => `${patch.start}-${patch.end}`)
    assert.deepEqual(sent, ['0-1048575', '1048576-2097151', '2097152-3145727'])
    assert.equal(await up.finish({ state: 'success' }), 'accepted')
    assert.equal(sink.stored().length, 3.5 * 1024 * 1024)
  })

  it('sends a full chunk that appears between ticks without waiting for the next tick', async () => {
    sink = await startTraceSink()
    const { up, trace } = uploader({ timing: { ...fast, updateIntervalMs: 60_000 } })
    up.start()
    trace.append(randomBytes(1.5 * 1024 * 1024))
    const deadline = Date.now() + 10_000
    while (sink.patches.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))

    assert.deepEqual(sink.patches.filter((patch) => patch.status === 202).map((patch) => `${patch.start}-${patch.end}`), ['0-1048575'])
    assert.equal(await up.finish({ state: 'success' }), 'accepted')
    assert.equal(sink.stored().length, 1.5 * 1024 * 1024)
  })

  it('after a failed send waits the whole interval even with a full chunk waiting', async () => {
    sink = await startTraceSink()
    let failing = true
    sink.patchFault = (_req, res) => {
      if (!failing) return false
      res.writeHead(500)
      res.end()

      return true
    }
    const { up, trace } = uploader({ timing: { ...fast, updateIntervalMs: 60_000 } })
    trace.append(randomBytes(2 * 1024 * 1024))
    up.start()
    // The first attempt (with the client's own quick retries) is over well before this.
    await new Promise((resolve) => setTimeout(resolve, 700))
    const afterFirstAttempt = sink.patches.length
    await new Promise((resolve) => setTimeout(resolve, 700))

    assert.ok(afterFirstAttempt >= 1)
    assert.equal(sink.patches.length, afterFirstAttempt, 'no new attempt before the interval ends')
    failing = false
    assert.equal(await up.finish({ state: 'success' }), 'accepted')
    assert.equal(sink.stored().length, 2 * 1024 * 1024)
  })

  it('resumes from the Range of a 416 and from 0 when the Range is missing', async () => {
    sink = await startTraceSink()
    sink.patchFault = (_req, res, index) => {
      if (index === 1) {
        res.writeHead(416, { range: '0-5' })
        res.end()

        return true
      }

      return false
    }
    const { up, trace } = uploader()
    trace.append(Buffer.from('hello world\n'))
    up.start()
    await new Promise((resolve) => setTimeout(resolve, 40))
    trace.append(Buffer.from('second line\n'))
    await up.finish({ state: 'success' })

    assert.equal(sink.patches[2]!.start, 5, 'the PATCH after the 416 starts at the server offset')
    assert.equal(sink.stored().toString(), 'hello world\nsecond line\n')
  })

  it('keeps every byte across a burst of 500 answers and dropped connections', async () => {
    sink = await startTraceSink()
    sink.patchFault = (req, res, index) => {
      if (index >= 1 && index <= 4) {
        res.writeHead(500)
        res.end()

        return true
      }
      if (index === 5 && req.body.length > 0) {
        res.socket?.destroy()

        return true
      }

      return false
    }
    const { up, trace } = uploader()
    up.start()
    const expected: Buffer[] = []
    for (let i = 0; i < 20; i++) {
      const line = Buffer.from(`line ${i}\n`)
      expected.push(line)
      trace.append(line)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    assert.equal(await up.finish({ state: 'success' }), 'accepted')
    assert.ok(sink.stored().equals(Buffer.concat(expected)))
  })

  it('aborts on a 403 from PATCH and sends exactly one final PUT', async () => {
    sink = await startTraceSink()
    sink.patchFault = (_req, res) => {
      res.writeHead(403, { 'job-status': 'canceled' })
      res.end()

      return true
    }
    sink.putFault = (_body, res) => {
      res.writeHead(403)
      res.end()

      return true
    }
    const { up, trace, events } = uploader()
    trace.append(Buffer.from('x\n'))
    up.start()
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.deepEqual(events, ['abort'])
    assert.equal(await up.finish({ state: 'failed', failureReason: 'unknown_failure' }), 'aborted')
    assert.equal(sink.puts.length, 1)
  })

  it('reports Job-Status canceling once as a graceful cancel request', async () => {
    sink = await startTraceSink()
    sink.extraHeaders['job-status'] = 'canceling'
    const { up, trace, events } = uploader()
    trace.append(Buffer.from('a\n'))
    up.start()
    await new Promise((resolve) => setTimeout(resolve, 40))
    trace.append(Buffer.from('b\n'))
    await new Promise((resolve) => setTimeout(resolve, 40))
    await up.finish({ state: 'failed' })
    assert.deepEqual(events, ['cancel'])
  })

  it('sends a running keep-alive with checksum and size when the job is quiet', async () => {
    sink = await startTraceSink()
    const { up, trace } = uploader({ timing: { ...fast, forceSendIntervalMs: 30 } })
    trace.append(Buffer.from('quiet\n'))
    up.start()
    await new Promise((resolve) => setTimeout(resolve, 150))
    await up.finish({ state: 'success' })
    const touches = sink.puts.filter((put) => put.state === 'running')
    assert.ok(touches.length >= 2, `expected keep-alives, got ${touches.length}`)
    assert.deepEqual(touches[0]!.output, { checksum: trace.checksum(), bytesize: 6 })
  })

  it('waits the header interval on 202 and resends the PUT until 200', async () => {
    sink = await startTraceSink()
    sink.putFault = (_body, res, index) => {
      if (index >= 2) return false
      res.writeHead(202, { 'x-gitlab-trace-update-interval': '20' })
      res.end('202')

      return true
    }
    const { up, trace } = uploader()
    trace.append(Buffer.from('done\n'))
    assert.equal(await up.finish({ state: 'success' }), 'accepted')
    assert.equal(sink.puts.length, 3)
    assert.ok(sink.requests.filter((r) => r.method === 'PUT').every((r, i, all) => i === 0 || r.at - all[i - 1]!.at >= 90))
  })

  it('resends the whole trace from 0 after a 412 on the final PUT', async () => {
    sink = await startTraceSink()
    sink.putFault = (_body, res, index) => {
      if (index !== 0) return false
      resetSink(sink)
      res.writeHead(412)
      res.end()

      return true
    }
    const { up, trace } = uploader()
    trace.append(Buffer.from('all of it\n'))
    assert.equal(await up.finish({ state: 'success' }), 'accepted')
    assert.deepEqual(sink.patches.map((patch) => patch.start), [0, 0])
    assert.equal(sink.stored().toString(), 'all of it\n')
  })

  it('gives up after the retry limit on repeated 502 and stops at once on 404', async () => {
    sink = await startTraceSink()
    sink.putFault = (_body, res) => {
      res.writeHead(502)
      res.end()

      return true
    }
    const { up } = uploader({ finalUpdateRetryLimit: 3 })
    assert.equal(await up.finish({ state: 'failed', failureReason: 'script_failure', exitCode: 3 }), 'gave-up')
    assert.equal(sink.puts.length, 3 * 5, 'three tries, each with five transport attempts')
    assert.equal(sink.puts[0]!.exit_code, 3)

    sink.putFault = (_body, res) => {
      res.writeHead(404)
      res.end()

      return true
    }
    const before = sink.puts.length
    const second = uploader()
    assert.equal(await second.up.finish({ state: 'success' }), 'not-found')
    assert.equal(sink.puts.length - before, 1)
  })
})
