import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Executor, ExecutorProvider } from '../../src/executors/executor.js'
import { createShellExecutorProvider } from '../../src/executors/shell/provider.js'
import { basePayload, runJob, scratchDir } from '../conformance/run-job.js'
import { startWorld, type World } from './engine-artifacts-harness.js'

const LIMIT_BYTES = 4096
const BIG = { name: 'big', paths: ['big.bin'], artifact_type: 'archive', artifact_format: 'zip', when: 'always' }
/** Random bytes do not compress: the archive stays over the limit. */
const MAKE_BIG = 'head -c 20000 /dev/urandom > big.bin'

describe('artifact transfer failures through the coordinator', () => {
  let world: World

  before(async () => {
    world = await startWorld({ maxArtifactBytes: LIMIT_BYTES })
  })
  after(async () => {
    await world.close()
  })

  it('fails an otherwise successful job on 413 with a message naming the limit to raise, without retrying', async () => {
    const { record, text } = await world.run({ name: 'too-big', script: [MAKE_BIG], artifacts: [BIG] })
    assert.equal(record.state, 'failed', text)
    assert.equal(record.failureReason, 'script_failure')
    assert.deepEqual(record.artifacts, [])
    assert.match(text, /ERROR: Uploading artifacts as "archive" to coordinator\.\.\. 413 Request Entity Too Large +id=\d+ responseStatus=413 Request Entity Too Large token=\w+/)
    assert.match(text, /ERROR: Job failed: uploading artifacts as "archive" \(big\.zip, \d+ bytes\): 413 Request Entity Too Large: .*raise "Maximum artifacts size"/)
    const uploads = world.coordinator.requests.filter((req) => req.endpoint === 'artifacts_upload' && req.path === `/api/v4/jobs/${record.id}/artifacts`)
    assert.equal(uploads.length, 1, '413 is final')
  })

  it('keeps the script error as the job failure when the upload of a failed job also fails', async () => {
    const { record, text } = await world.run({ name: 'both-fail', script: [MAKE_BIG, 'exit 7'], artifacts: [BIG] })
    assert.equal(record.state, 'failed')
    assert.equal(record.exitCode, 7)
    assert.match(text, /^Uploading artifacts for failed job$/m)
    assert.match(text, /413 Request Entity Too Large/)
    assert.match(text, /ERROR: Job failed: exit status 7\n/)
  })

  it('fails a job whose dependency download answers 404, before its script, as script_failure', async () => {
    const producer = await world.run({ name: 'producer', script: ['echo small > small.txt'], artifacts: [{ name: 'small', paths: ['small.txt'], when: 'on_success' }] })
    assert.equal(producer.record.state, 'success', producer.text)

    world.coordinator.inject({ endpoint: 'artifacts_download', jobId: producer.record.id, action: { status: 404, body: '{"message":"404 Not Found"}' } })
    const { record, text } = await world.run({ name: 'consumer', script: ['echo script-ran'], dependencies: [producer.record.id] })
    assert.equal(record.state, 'failed', text)
    assert.equal(record.failureReason, 'script_failure')
    assert.match(text, new RegExp(`ERROR: Downloading artifacts from coordinator\\.\\.\\. not found +host=\\S+ id=${producer.record.id} responseStatus=404 Not Found token=\\w+`))
    assert.match(text, new RegExp(`ERROR: Job failed: downloading artifacts for producer \\(${producer.record.id}\\): not found: job ${producer.record.id} has no artifacts, or they expired`))
    assert.doesNotMatch(text, /script-ran/)
  })

  it('retries a failed dependency download ARTIFACT_DOWNLOAD_ATTEMPTS times and then succeeds', async () => {
    const producer = await world.run({ name: 'flaky-producer', script: ['echo again > again.txt'], artifacts: [{ name: 'again', paths: ['again.txt'], when: 'on_success' }] })
    // 404 is final for one download attempt, so only the stage retry can recover from it.
    world.coordinator.inject({ endpoint: 'artifacts_download', jobId: producer.record.id, action: { status: 404 } })
    const { record, text } = await world.run({
      name: 'patient',
      script: ['cat again.txt'],
      dependencies: [producer.record.id],
      variables: [{ key: 'ARTIFACT_DOWNLOAD_ATTEMPTS', value: '2' }, { key: 'FF_USE_EXPONENTIAL_BACKOFF_STAGE_RETRY', value: 'false' }],
    })
    assert.equal(record.state, 'success', text)
    assert.match(text, /responseStatus=404 Not Found/)
    assert.match(text, /WARNING: Retrying\.\.\.\n[\s\S]*Downloading artifacts from coordinator\.\.\. ok/)
    assert.match(text, /\$ cat again.txt\nagain\n/)
  })
})

/** The shell executor without host files: stands in for docker/ssh until file transfer exists. */
function withoutHostFiles(): ExecutorProvider {
  const shell = createShellExecutorProvider({ gracefulKillMs: 1_000, forceKillMs: 2_000 })

  return {
    ...shell,
    create: (): Executor => {
      const inner = shell.create()

      return {
        prepare: (options) => inner.prepare(options),
        run: (options) => inner.run(options),
        cleanup: () => inner.cleanup(),
        hostProjectDir: undefined,
      }
    },
  }
}

describe('cache and artifact stages on an executor without host files', () => {
  it('fail with a runner_system_failure saying the executor does not support it yet', async () => {
    const scratch = scratchDir()
    try {
      const { result, text } = await runJob({
        provider: withoutHostFiles(),
        runner: { builds_dir: `${scratch.dir}/builds`, cache_dir: `${scratch.dir}/cache` },
        payload: basePayload({ cache: [{ key: 'k', paths: ['vendor/'], policy: 'pull-push', when: 'on_success' }] }),
      })
      assert.equal(result.state, 'failed')
      assert.equal(result.failureReason, 'runner_system_failure')
      assert.match(text, /ERROR: Job failed \(system failure\): Extracting cache is not supported by this executor yet/)
      assert.doesNotMatch(text, /\$ echo hello/)
    } finally {
      scratch.remove()
    }
  })
})
