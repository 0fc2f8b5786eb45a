/**
 * The engine hands the docker executor the job's identity (system id, slots, short token):
 * names and labels of what the job creates carry them, and the job sees its network name.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { setTimeout as delay } from 'node:timers/promises'
import { createDockerExecutorProvider } from '../../src/executors/docker/index.js'
import { runJob } from '../conformance/run-job.js'
import { BUSYBOX_IMAGE, dockerTestSkipReason } from '../helpers/docker-images.js'
import { dockerJobPayload, expectNoJobLeftovers } from '../helpers-docker/docker-job.js'

const execFileAsync = promisify(execFile)
const skip = dockerTestSkipReason()
const PREFIX = 'com.gitlab.gitlab-runner'

/** Labels of the first container carrying `label`, polled until one exists or `untilMs` passes. */
async function labelsOfFirstContainer(label: string, untilMs: number): Promise<Record<string, string> | undefined> {
  while (Date.now() < untilMs) {
    const { stdout } = await execFileAsync('docker', ['ps', '-q', '--filter', label])
    const id = stdout.split('\n')[0]?.trim()
    if (id) {
      const inspected = await execFileAsync('docker', ['inspect', '--format', '{{json .Config.Labels}}', id]).catch(() => undefined)
      if (inspected !== undefined) return JSON.parse(inspected.stdout) as Record<string, string>
    }
    await delay(200)
  }

  return undefined
}

test('docker objects carry the system id and slots the engine passes, and CI_BUILD_NETWORK_NAME names the job network', { skip }, async () => {
  const id = 81_000 + Math.floor(Math.random() * 1000)
  const jobLabel = `label=${PREFIX}.job.id=${id}`
  try {
    const labels = labelsOfFirstContainer(jobLabel, Date.now() + 30_000)
    const out = await runJob({
      payload: dockerJobPayload({ id, image: BUSYBOX_IMAGE, script: ['echo "net=$CI_BUILD_NETWORK_NAME"', 'sleep 2'] }),
      runner: { executor: 'docker', docker: { pull_policy: ['if-not-present'], container_labels: { 'glrunner.test': '1' } } },
      provider: createDockerExecutorProvider(),
      concurrentProjectId: 3,
    })
    assert.equal(out.result.state, 'success', out.text)
    assert.ok(out.text.includes(`\nnet=runner-runnertok-7-3-${id}\n`), out.text)
    const seen = await labels
    assert.ok(seen !== undefined, 'a job container was seen while the job ran')
    assert.equal(seen[`${PREFIX}.runner.system_id`], 's_0123456789ab')
    assert.equal(seen[`${PREFIX}.project.runner_id`], '3')
    assert.equal(seen[`${PREFIX}.runner.id`], 'RunnerTok')
  } finally {
    expectNoJobLeftovers(id)
  }
})
