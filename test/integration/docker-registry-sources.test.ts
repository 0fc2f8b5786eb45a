/**
 * Registry credentials and pulls on a real engine and a real private registry (Debian's
 * docker-registry on 127.0.0.1, htpasswd auth; see docker-registry.test.ts for the basics):
 * DOCKER_AUTH_CONFIG from `[[runners]] environment`, broken DOCKER_AUTH_CONFIG values that
 * warn and fall through (executors.md 4.3), and `always` pulling an image once per job.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createDockerExecutorProvider } from '../../src/executors/docker/index.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'
import type { JobRunOutput } from '../conformance/run-job.js'
import { BUSYBOX_IMAGE, dockerTestSkipReasonWith } from '../helpers/docker-images.js'
import { dockerJobPayload, dockerRunner, runDockerJob } from '../helpers-docker/docker-job.js'
import { registryUnavailableReason, removeLocalImage, startTestRegistry, type TestRegistry } from '../helpers-docker/registry.js'

const skip = dockerTestSkipReasonWith(registryUnavailableReason, 'registry tests')
const provider = createDockerExecutorProvider()
const token = randomBytes(6).toString('hex')
const REPOSITORY = 'glrunner-test/sources-busybox'
let registry: TestRegistry
let image: string
let nextJobId = 76_000 + Math.floor(Math.random() * 1000) * 10

function payload(overrides: Partial<JobPayloadInput> & { vars?: Record<string, string> } = {}): JobPayloadInput {
  const { vars, ...rest } = overrides
  const features = { trace_sections: true, failure_reasons: ['script_failure', 'image_pull_failure', 'runner_system_failure'] }

  return dockerJobPayload({ id: ++nextJobId, image, script: ['cat /glrunner-registry-token'], vars, varsPublic: false }, { features, ...rest })
}

function dockerJob(job: JobPayloadInput, options: { pullPolicy: string[]; environment?: string[] }): Promise<JobRunOutput> {
  const runner = dockerRunner({ pull_policy: options.pullPolicy }, { environment: options.environment ?? [] })

  return runDockerJob({ payload: job, runner, provider })
}

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const authConfig = (): string =>
  JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') } } })
const count = (text: string, pattern: RegExp): number => [...text.matchAll(new RegExp(pattern.source, 'g'))].length

function assertRanPulledImage(out: JobRunOutput, source: string): void {
  assert.equal(out.result.state, 'success', out.text)
  assert.match(out.text, new RegExp(`Pulling docker image ${escaped(image)} \\.\\.\\.\\nAuthenticating with credentials from ${escaped(source)}\\n`))
  assert.match(out.text, new RegExp(`\\n${token}\\n`))
  assert.doesNotMatch(out.text, new RegExp(escaped(registry.password)), 'the password must not reach the job log')
}

describe('docker executor registry credential sources', { skip }, () => {
  before(async () => {
    registry = await startTestRegistry()
    image = registry.pushImage({ base: BUSYBOX_IMAGE, repository: REPOSITORY, tag: `t-${token}`, token })
  })
  after(async () => {
    if (image !== undefined) removeLocalImage(image)
    await registry?.stop()
  })

  test('DOCKER_AUTH_CONFIG in [[runners]] environment authenticates the pull; a job variable that is not JSON warns and is skipped', async () => {
    removeLocalImage(image)
    const job = payload({ vars: { DOCKER_AUTH_CONFIG: `{"auths": {"${registry.host}": secret-${token}` } })
    const out = await dockerJob(job, { pullPolicy: ['always'], environment: [`DOCKER_AUTH_CONFIG=${authConfig()}`] })
    assertRanPulledImage(out, 'DOCKER_AUTH_CONFIG in [[runners]] environment')
    assert.match(out.text, /\nWARNING: Ignoring DOCKER_AUTH_CONFIG from the job variables: not valid JSON\n/)
    assert.equal(count(out.text, /Ignoring DOCKER_AUTH_CONFIG/), 1, 'one warning per job, not one per image')
    assert.doesNotMatch(out.text, new RegExp(`secret-${token}`), 'the broken value must not be echoed')
  })

  test('a runner-side DOCKER_AUTH_CONFIG without auths warns and falls through to the payload credentials', async () => {
    removeLocalImage(image)
    const credentials = [{ type: 'registry', url: registry.host, username: registry.username, password: registry.password }]
    const out = await dockerJob(payload({ credentials }), { pullPolicy: ['always'], environment: ['DOCKER_AUTH_CONFIG={"credsStore":"none"}'] })
    assertRanPulledImage(out, 'GitLab')
    assert.match(out.text, /\nWARNING: Ignoring DOCKER_AUTH_CONFIG in \[\[runners\]\] environment: no "auths" object\n/)
  })

  test('pull_policy always pulls an image once per job when the job image and two services are that image', async () => {
    const credentials = [{ type: 'registry', url: registry.host, username: registry.username, password: registry.password }]
    const manifestRequests = (): number => registry.requests().filter((line) => line.includes(`/v2/${REPOSITORY}/manifests/`)).length
    removeLocalImage(image)
    assertRanPulledImage(await dockerJob(payload({ credentials }), { pullPolicy: ['always'] }), 'GitLab')

    // The image is present: one always-pull of it is one manifest check with the registry.
    const beforeAlone = manifestRequests()
    assertRanPulledImage(await dockerJob(payload({ credentials }), { pullPolicy: ['always'] }), 'GitLab')
    const alone = manifestRequests() - beforeAlone
    assert.ok(alone > 0, 'always must ask the registry')

    const services = [{ name: image, alias: 'one', command: ['sleep', '30'] }, { name: image, alias: 'two', command: ['sleep', '30'] }]
    const beforeShared = manifestRequests()
    const out = await dockerJob(payload({ credentials, services }), { pullPolicy: ['always'] })
    assertRanPulledImage(out, 'GitLab')
    assert.equal(count(out.text, /Pulling docker image /), 1, out.text)
    assert.equal(count(out.text, new RegExp(`Using docker image sha256:[0-9a-f]{64} for ${escaped(image)} `)), 3, out.text)
    assert.equal(count(out.text, /Starting service /), 2, out.text)
    assert.equal(manifestRequests() - beforeShared, alone, 'the services must not ask the registry again')
  })
})
