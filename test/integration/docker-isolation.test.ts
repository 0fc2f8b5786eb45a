/**
 * Nothing from one docker job is visible to the next except the cache (issue 6): two jobs
 * of the same runner, project and slot on a real engine. The first writes files outside
 * the build dir, in the build dir and under /builds, starts a background process, and
 * writes to the `/cache` volume; the second sees only the cache.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { RunnerConfig } from '../../src/config/runner-config.js'
import { createDockerExecutorProvider } from '../../src/executors/docker/index.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'
import { basePayload, runJob, type JobRunOutput } from '../conformance/run-job.js'
import { BUSYBOX_IMAGE, dockerTestSkipReason, objectsWithLabel, removeWithLabel } from '../helpers/docker-images.js'

const skip = dockerTestSkipReason()
const JOB_ID = 'com.gitlab.gitlab-runner.job.id'
const CPID = 32 // Own cache-volume names: other docker test files run in parallel.
let nextId = 85_000 + Math.floor(Math.random() * 1000) * 10
const provider = createDockerExecutorProvider()
const docker = { pull_policy: ['if-not-present'], wait_for_services_timeout: -1, volumes: ['/cache'], container_labels: { 'glrunner.test': '1' } }

function payload(script: string[]): JobPayloadInput {
  const id = ++nextId
  const base = basePayload()

  return { ...base, id, job_info: { ...base.job_info, id }, image: { name: BUSYBOX_IMAGE }, steps: [{ name: 'script', script, when: 'on_success' }] }
}

async function job(script: string[]): Promise<JobRunOutput> {
  const item = payload(script)
  const out = await runJob({ payload: item, concurrentProjectId: CPID, provider, runner: { executor: 'docker', docker } as Partial<RunnerConfig> })
  // Only the kept /cache volume may stay; it is removed in after().
  const left = objectsWithLabel(`${JOB_ID}=${item.id}`)
  assert.deepEqual(left.containers, [], `job ${item.id} left containers`)
  assert.deepEqual(left.networks, [], `job ${item.id} left a network`)
  for (const volume of left.volumes) assert.match(volume, /^runner-[0-9a-f]{32}-cache-[0-9a-f]{32}$/, `job ${item.id} left ${volume}`)

  return out
}

describe('isolation between docker jobs', { skip }, () => {
  const first = nextId + 1
  after(() => {
    for (let id = first; id <= nextId; id++) removeWithLabel(`${JOB_ID}=${id}`)
  })

  test('a second job sees the /cache volume of the first and nothing else it left', async () => {
    const writer = await job([
      'echo outside > /tmp/outside-build-dir',
      'echo home > /root/in-home',
      'echo project > in-project-dir',
      'echo builds > /builds/at-builds-root',
      'echo cached > /cache/in-cache',
      '(sleep 300 &) ; echo "background started"',
      'ls /tmp/outside-build-dir /root/in-home in-project-dir /builds/at-builds-root /cache/in-cache',
    ])
    assert.equal(writer.result.state, 'success', writer.text)
    assert.match(writer.text, /\nbackground started\n/)

    const reader = await job([
      'for f in /tmp/outside-build-dir /root/in-home "$CI_PROJECT_DIR/in-project-dir" /builds/at-builds-root /cache/in-cache; do',
      '  if [ -e "$f" ]; then echo "seen: $f"; else echo "absent: $f"; fi',
      'done',
      'ps -o comm | grep -c "^sleep" || true',
    ])
    assert.equal(reader.result.state, 'success', reader.text)
    for (const path of ['/tmp/outside-build-dir', '/root/in-home', '/in-project-dir', '/builds/at-builds-root']) {
      assert.match(reader.text, new RegExp(`\\nabsent: \\S*${path}\\n`), `${path} leaked into the next job`)
    }
    assert.match(reader.text, /\nseen: \/cache\/in-cache\n/)
    assert.match(reader.text, /\n0\n/, 'no process of the first job runs in the second')
  })
})
