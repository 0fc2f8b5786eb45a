/**
 * The docker executor pulling from a real private registry (Debian's docker-registry on
 * 127.0.0.1, htpasswd auth): credentials from the payload, from the DOCKER_AUTH_CONFIG
 * variable and from the runner user's ~/.docker/config.json, a pull without credentials,
 * and what `always` / `if-not-present` do with an image already present (executors.md 4.3).
 * The image is built from the local busybox test image and pushed under a unique tag.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDockerExecutorProvider } from '../../src/executors/docker/index.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'
import type { JobRunOutput } from '../conformance/run-job.js'
import { BUSYBOX_IMAGE, dockerTestSkipReasonWith } from '../helpers/docker-images.js'
import { dockerJobPayload, dockerRunner, runDockerJob } from '../helpers-docker/docker-job.js'
import { registryUnavailableReason, removeLocalImage, startTestRegistry, type TestRegistry } from '../helpers-docker/registry.js'

const skip = dockerTestSkipReasonWith(registryUnavailableReason, 'registry tests')
const provider = createDockerExecutorProvider()
const token = randomBytes(6).toString('hex')
let registry: TestRegistry
let image: string
let serviceImage: string
let nextJobId = 74_000 + Math.floor(Math.random() * 1000) * 10

function payload(overrides: Partial<JobPayloadInput> & { vars?: Record<string, string> } = {}): JobPayloadInput {
  const { vars, ...rest } = overrides
  const features = { trace_sections: true, failure_reasons: ['script_failure', 'image_pull_failure', 'runner_system_failure'] }

  return dockerJobPayload({ id: ++nextJobId, image, script: ['cat /glrunner-registry-token'], vars, varsPublic: false }, { features, ...rest })
}

function dockerJob(job: JobPayloadInput, pullPolicy: string[]): Promise<JobRunOutput> {
  return runDockerJob({ payload: job, runner: dockerRunner({ pull_policy: pullPolicy }), provider })
}

const basicAuth = (): string => Buffer.from(`${registry.username}:${registry.password}`).toString('base64')
const manifestRequests = (): string[] => registry.requests().filter((line) => /^(GET|HEAD) \/v2\/glrunner-test\/private-busybox\/manifests\//.test(line))
const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function assertPulledAndRan(out: JobRunOutput, source: string): void {
  assert.equal(out.result.state, 'success', out.text)
  assert.match(out.text, new RegExp(`Pulling docker image ${escaped(image)} \\.\\.\\.\\n`))
  assert.match(out.text, new RegExp(`Authenticating with credentials from ${escaped(source)}\\n`))
  // Pull progress from the engine: the new layer is downloaded, the busybox one is shared.
  assert.match(out.text, /\n[0-9a-f]{12}: Pull complete\n/)
  assert.match(out.text, new RegExp(`Status: Downloaded newer image for ${escaped(image)}\\n`))
  assert.match(out.text, new RegExp(`Using docker image sha256:[0-9a-f]{64} for ${escaped(image)} with digest ${escaped(registry.host)}/glrunner-test/private-busybox@sha256:[0-9a-f]{64} \\.\\.\\.`))
  assert.match(out.text, new RegExp(`\\n${token}\\n`))
  assert.doesNotMatch(out.text, new RegExp(escaped(registry.password)), 'the password must not reach the job log')
}

describe('docker executor pulling from a private registry', { skip }, () => {
  before(async () => {
    registry = await startTestRegistry()
    image = registry.pushImage({ base: BUSYBOX_IMAGE, repository: 'glrunner-test/private-busybox', tag: `t-${token}`, token })
    serviceImage = registry.pushImage({ base: BUSYBOX_IMAGE, repository: 'glrunner-test/private-service', tag: `s-${token}`, token: 'service' })
  })
  after(async () => {
    for (const ref of [image, serviceImage]) if (ref !== undefined) removeLocalImage(ref)
    await registry?.stop()
  })

  test('registry credentials sent in the payload authenticate the pulls of the job image and of a service', async () => {
    removeLocalImage(image)
    removeLocalImage(serviceImage)
    const job = payload({
      credentials: [{ type: 'registry', url: registry.host, username: registry.username, password: registry.password }],
      services: [{ name: serviceImage, command: ['sleep', '30'] }],
    })
    const out = await dockerJob(job, ['if-not-present'])
    assertPulledAndRan(out, 'GitLab')
    assert.match(out.text, new RegExp(`Pulling docker image ${escaped(serviceImage)} \\.\\.\\.\\nAuthenticating with credentials from GitLab\\n`))
    assert.match(out.text, new RegExp(`Status: Downloaded newer image for ${escaped(serviceImage)}\\n`))
    // The service name drops the registry's port (executors.md 4.5).
    assert.ok(out.text.includes(`Starting service 127.0.0.1/glrunner-test/private-service:s-${token}...\n`), out.text)
  })

  test('DOCKER_AUTH_CONFIG in a job variable authenticates the pull, whatever form its registry key takes', async () => {
    // More key forms are covered by registry-auth.test.ts; two here prove the engine takes them.
    for (const key of [registry.host, `http://${registry.host}/v1/`]) {
      removeLocalImage(image)
      const config = JSON.stringify({ auths: { 'other.example:5000': { auth: 'eDp5' }, [key]: { auth: basicAuth() } } })
      const out = await dockerJob(payload({ vars: { DOCKER_AUTH_CONFIG: config } }), ['always'])
      assertPulledAndRan(out, 'DOCKER_AUTH_CONFIG')
    }
  })

  test("the runner user's ~/.docker/config.json (written by docker login) authenticates the pull", async () => {
    removeLocalImage(image)
    // homedir() follows HOME: point it at a home whose .docker is the login's config dir.
    const home = mkdtempSync(join(tmpdir(), 'glr-registry-home-'))
    const savedHome = process.env.HOME
    try {
      symlinkSync(registry.dockerConfigDir, join(home, '.docker'))
      process.env.HOME = home
      const out = await dockerJob(payload(), ['always'])
      assertPulledAndRan(out, join(home, '.docker', 'config.json'))
    } finally {
      process.env.HOME = savedHome
      rmSync(home, { recursive: true, force: true })
    }
  })

  test('without credentials the pull is refused and the job fails with image_pull_failure', async () => {
    removeLocalImage(image)
    const out = await dockerJob(payload(), ['always'])
    assert.equal(out.result.state, 'failed')
    assert.equal(out.result.failureReason, 'image_pull_failure')
    assert.doesNotMatch(out.text, /Authenticating with credentials/)
    const refusal = `Error response from daemon: Head "http://${registry.host}/v2/glrunner-test/private-busybox/manifests/t-${token}": no basic auth credentials`
    assert.match(out.text, new RegExp(`WARNING: Failed to pull image with policy "always": ${escaped(refusal)}\\n`))
    assert.match(out.text, new RegExp(`ERROR: Job failed: failed to pull image "${escaped(image)}" with specified policies \\[always\\]: ${escaped(refusal)}\\n`))
  })

  test('a wrong password is refused by the registry and the job fails with image_pull_failure', async () => {
    removeLocalImage(image)
    const job = payload({ credentials: [{ type: 'registry', url: registry.host, username: registry.username, password: 'wrong-password' }] })
    const out = await dockerJob(job, ['always'])
    assert.equal(out.result.failureReason, 'image_pull_failure')
    assert.match(out.text, /Authenticating with credentials from GitLab\n/)
    assert.match(out.text, /failed to pull image .* with specified policies \[always\]: Error response from daemon: unauthorized: authentication required\n/)
  })

  test('a pull that fails on a layer fails the job with the engine\'s error, not with an older local image of the tag', async () => {
    const tag = `broken-${token}`
    const broken = registry.pushImage({ base: BUSYBOX_IMAGE, repository: 'glrunner-test/private-busybox', tag, token: 'never-pulled' })
    registry.breakTopLayer('glrunner-test/private-busybox', tag)
    // The same name locally, with other content (no token file): what a stale pull would run.
    execFileSync('docker', ['tag', BUSYBOX_IMAGE, broken])
    try {
      const credentials = [{ type: 'registry', url: registry.host, username: registry.username, password: registry.password }]
      const out = await dockerJob(payload({ image: { name: broken }, credentials }), ['always'])
      assert.equal(out.result.failureReason, 'image_pull_failure', out.text)
      assert.match(out.text, new RegExp(`ERROR: Job failed: failed to pull image "${escaped(broken)}" with specified policies \\[always\\]: Error response from daemon: unknown blob\\n`))
      assert.doesNotMatch(out.text, /cat \/glrunner-registry-token/)
    } finally {
      removeLocalImage(broken)
    }
  })

  test('pull_policy always asks the registry again for a present image; if-not-present does not, and still runs with the registry gone', async () => {
    const credentials = [{ type: 'registry', url: registry.host, username: registry.username, password: registry.password }]
    removeLocalImage(image)
    assertPulledAndRan(await dockerJob(payload({ credentials }), ['always']), 'GitLab')

    const beforeAlways = manifestRequests().length
    const again = await dockerJob(payload({ credentials }), ['always'])
    assert.equal(again.result.state, 'success', again.text)
    assert.match(again.text, new RegExp(`Pulling docker image ${escaped(image)} \\.\\.\\.`))
    assert.match(again.text, new RegExp(`Status: Image is up to date for ${escaped(image)}\\n`))
    assert.ok(manifestRequests().length > beforeAlways, 'always must fetch the manifest again')

    const beforeLocal = manifestRequests().length
    const local = await dockerJob(payload({ credentials }), ['if-not-present'])
    assert.equal(local.result.state, 'success', local.text)
    assert.match(local.text, /Using locally found image version due to "if-not-present" pull policy/)
    assert.doesNotMatch(local.text, /Pulling docker image/)
    assert.equal(manifestRequests().length, beforeLocal, 'if-not-present must not contact the registry')

    // With the registry gone, always fails and the next policy, if-not-present, uses the
    // image that is present.
    await registry.stop()
    const offline = await dockerJob(payload({ credentials }), ['always', 'if-not-present'])
    assert.equal(offline.result.state, 'success', offline.text)
    assert.match(offline.text, /WARNING: Failed to pull image with policy "always": Error response from daemon: .*connection refused\n/)
    assert.match(offline.text, /Attempt #2: Trying "if-not-present" pull policy\nUsing locally found image version due to "if-not-present" pull policy\n/)
    assert.match(offline.text, new RegExp(`\\n${token}\\n`))
  })
})
