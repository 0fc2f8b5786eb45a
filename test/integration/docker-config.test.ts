/**
 * `[runners.docker]` container keys on a real Docker Engine: what the job sees (privileges,
 * tmpfs, hostname, bind and named volumes, user) and what the executor asks the engine for
 * (recorded through a wrapped client). The unit test container-specs.test.ts covers every
 * key's mapping; this checks that the engine really applies a few.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunnerConfig } from '../../src/config/runner-config.js'
import { createDockerExecutorProvider, createDockerodeClient, type ContainerClient } from '../../src/executors/docker/index.js'
import type { ContainerSpec } from '../../src/executors/docker/container-client.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'
import { scratchDir, type JobRunOutput } from '../conformance/run-job.js'
import { BUSYBOX_IMAGE, dockerTestSkipReason } from '../helpers/docker-images.js'
import { dockerJobPayload, runDockerJob } from '../helpers-docker/docker-job.js'

const skip = dockerTestSkipReason()
const scratch = scratchDir('glr-docker-config-')
let nextId = 83_000 + Math.floor(Math.random() * 1000) * 10
const named = `glr-test-named-${nextId}`
/** CAP_NET_ADMIN | CAP_SYS_ADMIN: neither is in docker's default set. */
const ADMIN_CAPS = (1n << 12n) | (1n << 21n)

function payload(script: string[], vars: Record<string, string> = {}): JobPayloadInput {
  return dockerJobPayload({ id: ++nextId, image: BUSYBOX_IMAGE, script, vars })
}

/** Runs a job and returns its output and the specs of the containers it created. */
async function configJob(job: JobPayloadInput, docker: Record<string, unknown>): Promise<JobRunOutput & { specs: ContainerSpec[] }> {
  const specs: ContainerSpec[] = []
  const recording = (address: Parameters<typeof createDockerodeClient>[0]): ContainerClient => {
    const client = createDockerodeClient(address)

    return Object.assign(Object.create(client) as ContainerClient, {
      createContainer: (spec: ContainerSpec) => {
        specs.push(spec)

        return client.createContainer(spec)
      },
    })
  }
  const out = await runDockerJob({
    payload: job, concurrentProjectId: 33, provider: createDockerExecutorProvider({ clientFactory: recording }),
    runner: { executor: 'docker', docker: { pull_policy: ['if-not-present'], wait_for_services_timeout: -1, ...docker } } as Partial<RunnerConfig>,
  })

  return { ...out, specs }
}

describe('[runners.docker] container keys on a real engine', { skip }, () => {
  before(() => {
    writeFileSync(join(scratch.dir, 'from-host.txt'), 'bind mount content\n')
    execFileSync('docker', ['volume', 'create', '--label', 'glrunner.test=1', named], { stdio: 'ignore' })
    execFileSync('docker', ['run', '--rm', '--label', 'glrunner.test=1', '-v', `${named}:/v`, BUSYBOX_IMAGE, 'sh', '-c', 'echo named volume content > /v/in-volume.txt'], { stdio: 'ignore' })
  })
  after(() => {
    execFileSync('docker', ['volume', 'rm', '-f', named], { stdio: 'ignore' })
    scratch.remove()
  })

  test('by default the build container is not privileged: no admin capabilities, no new links', async () => {
    const job = payload(['grep CapEff /proc/self/status', 'ip link add glr0 type dummy 2>&1 || echo "link add failed"'])
    const out = await configJob(job, {})
    assert.equal(out.result.state, 'success', out.text)
    const capEff = /CapEff:\s+([0-9a-f]+)/.exec(out.text)?.[1]
    assert.ok(capEff !== undefined, out.text)
    assert.equal(BigInt(`0x${capEff}`) & ADMIN_CAPS, 0n, `CapEff ${capEff} holds NET_ADMIN or SYS_ADMIN`)
    assert.match(out.text, /Operation not permitted/)
    assert.match(out.text, /\nlink add failed\n/)
    assert.ok(out.specs.every((spec) => !spec.privileged))
  })

  test('tmpfs, hostname, a bind mount and a named volume are what the job sees', async () => {
    const job = payload([
      'grep " /scratch tmpfs " /proc/mounts',
      'echo "hostname=$(hostname)"',
      'cat /from-host/from-host.txt',
      'cat /named/in-volume.txt',
      'touch /from-host/ro-test 2>/dev/null || echo "bind is read-only"',
    ], { TEAM: 'infra' })
    const out = await configJob(job, {
      tmpfs: { '/scratch': 'rw,size=8m' },
      hostname: 'glr-job-host',
      volumes: [`${scratch.dir}:/from-host:ro`, `${named}:/named`],
      container_labels: { 'glrunner.test': '1', 'glrunner.test.team': '$TEAM' },
    })
    assert.equal(out.result.state, 'success', out.text)
    assert.match(out.text, /\ntmpfs \/scratch tmpfs rw[^\n]*size=8192k/)
    assert.match(out.text, /\nhostname=glr-job-host\n/)
    assert.match(out.text, /\nbind mount content\n/)
    assert.match(out.text, /\nnamed volume content\n/)
    assert.match(out.text, /\nbind is read-only\n/)
    const build = out.specs.find((spec) => spec.labels['com.gitlab.gitlab-runner.type'] === 'build')
    assert.equal(build?.labels['glrunner.test.team'], 'infra', 'container_labels values are expanded')
  })

  test('user runs the build container as that user; the predefined stages still prepare the build dir', async () => {
    const job = payload(['id -u', 'touch made-by-user && ls -n made-by-user'])
    const out = await configJob(job, { user: '4321:4321', container_labels: { 'glrunner.test': '1' } })
    assert.equal(out.result.state, 'success', out.text)
    assert.match(out.text, /\n4321\n/)
    assert.match(out.text, /4321 +4321 +0 [^\n]*made-by-user/)
  })

  test('a user outside allowed_users is refused before anything starts', async () => {
    const job = payload(['id -u'])
    job.features = { trace_sections: true, failure_reasons: ['script_failure', 'runner_configuration_error'] }
    const out = await configJob(job, { user: 'root', allowed_users: ['builder'] })
    assert.equal(out.result.failureReason, 'runner_configuration_error')
    assert.match(out.text, /user "root" is not in the allowed users list/)
    assert.deepEqual(out.specs, [])
  })
})
