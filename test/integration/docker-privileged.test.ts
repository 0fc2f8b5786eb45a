/**
 * `privileged` narrowed by allowed_privileged_images / allowed_privileged_services on a real
 * engine (executors.md 4.4): each container reports its effective capabilities, the build
 * container in the job log, services through a file on the shared /builds volume; and the
 * engine's own HostConfig.Privileged of every container the job created.
 *
 * Some engines (dockerd inside a container without all capabilities, like this machine's)
 * refuse to start any privileged container ("unable to apply caps"). There only the cases
 * where nothing runs privileged can run; the others skip loudly, also with CI=true: what
 * is missing is a permission of the machine, which no install step can add.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { createDockerExecutorProvider, createDockerodeClient, type ContainerClient } from '../../src/executors/docker/index.js'
import type { ContainerSpec } from '../../src/executors/docker/container-client.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'
import type { JobRunOutput } from '../conformance/run-job.js'
import { BUSYBOX_IMAGE, BUSYBOX_WEB_IMAGE, dockerTestSkipReason } from '../helpers/docker-images.js'
import { dockerJobPayload, dockerRunner, runDockerJob } from '../helpers-docker/docker-job.js'

const skip = dockerTestSkipReason()

/** Why privileged containers cannot be tested on this engine, or undefined when they can. */
function privilegedSkipReason(): string | undefined {
  if (skip !== undefined) return skip
  const probe = spawnSync('docker', ['run', '--rm', '--privileged', '--label', 'glrunner.test=1', BUSYBOX_IMAGE, 'true'], { encoding: 'utf8', timeout: 30_000 })
  if (probe.status === 0) return undefined
  const reason = `SKIPPED: this Docker Engine cannot start privileged containers (${probe.stderr.trim().split('\n')[0] ?? ''})`
  console.error(`\n*** ${reason} ***\n`)

  return reason
}

const privilegedSkip = privilegedSkipReason()
/** HostConfig.Privileged as the engine has it, per container name (kind of the job's containers). */
let engineView = new Map<string, boolean>()

const recording = (address: Parameters<typeof createDockerodeClient>[0]): ContainerClient => {
  const client = createDockerodeClient(address)

  return Object.assign(Object.create(client) as ContainerClient, {
    createContainer: async (spec: ContainerSpec) => {
      const id = await client.createContainer(spec)
      const privileged = execFileSync('docker', ['inspect', '-f', '{{.HostConfig.Privileged}}', id], { encoding: 'utf8' }).trim()
      engineView.set(spec.name.replace(/^runner-.*-[0-9a-f]{16}-/, ''), privileged === 'true')

      return id
    },
  })
}
const provider = createDockerExecutorProvider({ clientFactory: recording })
let nextId = 86_000 + Math.floor(Math.random() * 1000) * 10
/** CAP_NET_ADMIN | CAP_SYS_ADMIN: in a privileged container's set, not in docker's default one. */
const ADMIN_CAPS = (1n << 12n) | (1n << 21n)

/** A service that writes its CapEff line to /builds/caps-<alias>, then stays up. */
const capsService = (image: string, alias: string): NonNullable<JobPayloadInput['services']>[number] => ({
  name: image, alias, entrypoint: ['sh', '-c'], command: [`grep CapEff /proc/self/status > /builds/caps-${alias}; sleep 30`],
})

function payload(services: NonNullable<JobPayloadInput['services']>): JobPayloadInput {
  const files = services.map((service) => `/builds/caps-${service.alias ?? ''}`)
  const script = [
    'echo "build $(grep CapEff /proc/self/status)"',
    // Services start before the build script, but their first line may still be on its way.
    ...files.map((file) => `i=0; while [ ! -s ${file} ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; echo "${file.slice(13)} $(cat ${file})"`),
  ]

  return dockerJobPayload({ id: ++nextId, image: BUSYBOX_IMAGE, script }, { services })
}

async function dockerJob(job: JobPayloadInput, docker: Record<string, unknown>): Promise<JobRunOutput> {
  engineView = new Map()

  return runDockerJob({ payload: job, runner: dockerRunner({ privileged: true, ...docker }), provider })
}

/** Whether the container named `who` in the log ran with the admin capabilities. */
function hasAdminCaps(text: string, who: string): boolean {
  const capEff = new RegExp(`\\n${who} CapEff:\\s+([0-9a-f]+)\\n`).exec(text)?.[1]
  assert.ok(capEff !== undefined, `no CapEff line for ${who}:\n${text}`)

  return (BigInt(`0x${capEff}`) & ADMIN_CAPS) === ADMIN_CAPS
}

describe('allowed_privileged_images and allowed_privileged_services on a real engine', { skip }, () => {
  test('with privileged = true a build image and a service off the lists run unprivileged, each with a warning', async () => {
    const out = await dockerJob(payload([capsService(BUSYBOX_WEB_IMAGE, 'web')]), {
      allowed_privileged_images: ['glrunner-test/debian-git:*'],
      allowed_privileged_services: ['glrunner-test/debian-git:*', 'docker:*-dind'],
    })
    assert.equal(out.result.state, 'success', out.text)
    assert.equal(hasAdminCaps(out.text, 'build'), false)
    assert.equal(hasAdminCaps(out.text, 'web'), false)
    assert.match(out.text, /\nWARNING: The "glrunner-test\/busybox:1" image is not present on list of allowed privileged images \(allowed_privileged_images\): its container runs unprivileged\n/)
    assert.match(out.text, /\nWARNING: The "glrunner-test\/busybox-web:1" image is not present on list of allowed privileged services \(allowed_privileged_services\): its container runs unprivileged\n/)
    assert.deepEqual(Object.fromEntries(engineView), { 'glrunner-test__busybox-web-0': false, predefined: false, build: false })
  })

  test('services_privileged = true is narrowed by allowed_privileged_services too; privileged = false never warns about the build image', async () => {
    const out = await dockerJob(payload([capsService(BUSYBOX_WEB_IMAGE, 'web')]), {
      privileged: false,
      services_privileged: true,
      allowed_privileged_services: ['glrunner-test/debian-git:*'],
    })
    assert.equal(out.result.state, 'success', out.text)
    assert.equal(hasAdminCaps(out.text, 'web'), false)
    assert.match(out.text, /WARNING: The "glrunner-test\/busybox-web:1" image is not present on list of allowed privileged services/)
    assert.doesNotMatch(out.text, /allowed privileged images/)
    assert.equal(engineView.get('glrunner-test__busybox-web-0'), false)
  })

  test('with privileged = true only the build image and the service matching the lists run privileged', { skip: privilegedSkip }, async () => {
    const out = await dockerJob(payload([capsService(BUSYBOX_WEB_IMAGE, 'web'), capsService(BUSYBOX_IMAGE, 'plain')]), {
      allowed_privileged_images: ['glrunner-test/busybox:*'],
      allowed_privileged_services: ['glrunner-test/*-web:*'],
    })
    assert.equal(out.result.state, 'success', out.text)
    assert.equal(hasAdminCaps(out.text, 'build'), true, 'the build image is on allowed_privileged_images')
    assert.equal(hasAdminCaps(out.text, 'web'), true, 'the web service is on allowed_privileged_services')
    assert.equal(hasAdminCaps(out.text, 'plain'), false, 'the busybox service is not on allowed_privileged_services')
    assert.match(out.text, /\nWARNING: The "glrunner-test\/busybox:1" image is not present on list of allowed privileged services \(allowed_privileged_services\): its container runs unprivileged\n/)
    assert.doesNotMatch(out.text, /allowed privileged images/)
    assert.equal(engineView.get('build'), true)
  })

  test('with both lists empty, privileged = true makes the build container and services privileged', { skip: privilegedSkip }, async () => {
    const out = await dockerJob(payload([capsService(BUSYBOX_WEB_IMAGE, 'web')]), {})
    assert.equal(out.result.state, 'success', out.text)
    assert.equal(hasAdminCaps(out.text, 'build'), true)
    assert.equal(hasAdminCaps(out.text, 'web'), true)
    assert.doesNotMatch(out.text, /allowed privileged/)
  })
})
