/**
 * The docker executor through the real engine (runBuild) on a real Docker Engine, with
 * locally built images only: a busybox image (sh, no bash, no git) and a Debian image with
 * git. Every object a job creates carries the `glrunner.test=1` label and the job's id.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createDockerExecutorProvider } from '../../src/executors/docker/index.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'
import { createRepo, scratchDir, type JobRunOutput, type RunJobOptions } from '../conformance/run-job.js'
import { BUSYBOX_IMAGE, BUSYBOX_WEB_IMAGE, dockerTestSkipReason } from '../helpers/docker-images.js'
import { dockerJobPayload, dockerRunner, runDockerJob } from '../helpers-docker/docker-job.js'

const skip = dockerTestSkipReason()
const provider = createDockerExecutorProvider()
const scratch = scratchDir('glr-docker-')
const repoDir = join(scratch.dir, 'repo')
let repo: { url: string; sha: string }
let nextJobId = 72_000 + Math.floor(Math.random() * 1000) * 10

function payload(overrides: Partial<JobPayloadInput> & { script?: string[]; vars?: Record<string, string> }): JobPayloadInput {
  const { script, vars, ...rest } = overrides

  return dockerJobPayload({ id: ++nextJobId, image: BUSYBOX_IMAGE, script: script ?? ['echo hello'], vars }, rest)
}

function dockerJob(job: JobPayloadInput, docker: Record<string, unknown> = {}, control?: RunJobOptions['control']): Promise<JobRunOutput> {
  return runDockerJob({ payload: job, runner: dockerRunner(docker), provider, ...(control ? { control } : {}) })
}

describe('docker executor on a real engine', { skip }, () => {
  before(() => {
    mkdirSync(repoDir)
    repo = createRepo(repoDir, { 'README.md': 'hello from the repo\n' })
  })
  after(() => scratch.remove())

  test('a job runs in a busybox image without bash or git, git sources included', async () => {
    const job = payload({
      git_info: { repo_url: repo.url, ref: 'main', sha: repo.sha, before_sha: '', ref_type: 'branch', refspecs: ['+refs/heads/main:refs/remotes/origin/main'], depth: 0 },
      vars: { GIT_STRATEGY: 'clone' },
      script: ['cat README.md', 'command -v bash || echo no-bash', 'command -v git || echo no-git', 'pwd'],
    })
    const out = await dockerJob(job, { volumes: [`${repoDir}:${repoDir}:ro`] })
    assert.equal(out.result.state, 'success', out.text)
    assert.match(out.text, /Using Docker executor with image glrunner-test\/busybox:1 \.\.\./)
    assert.match(out.text, /Using locally found image version due to "if-not-present" pull policy/)
    assert.match(out.text, /Created fresh repository\./)
    assert.match(out.text, /\nhello from the repo\n/)
    assert.match(out.text, /\nno-bash\n/)
    assert.match(out.text, /\nno-git\n/)
    assert.match(out.text, /\n\/builds\/repo\n|\n\/builds\/project-7\n/)
  })

  test('a failing script fails the job with exit code 3 and after_script still runs', async () => {
    const job = payload({
      steps: [
        { name: 'script', script: ['echo before', 'exit 3', 'echo never'], when: 'on_success' },
        { name: 'after_script', script: ['echo "after: $CI_JOB_STATUS"'], when: 'always' },
      ],
    })
    const out = await dockerJob(job)
    assert.equal(out.result.state, 'failed')
    assert.equal(out.result.exitCode, 3)
    assert.equal(out.result.failureReason, 'script_failure')
    assert.match(out.text, /ERROR: Job failed: exit code 3/)
    assert.match(out.text, /after: failed/)
    assert.doesNotMatch(out.text, /\nnever\n/)
  })

  test('variables with quotes, spaces and dollars reach the script unchanged', async () => {
    const value = `it's "quoted" $$HOME and \\ spaces`
    const job = payload({ vars: { TRICKY: value }, script: ['printf "<%s>\\n" "$TRICKY"'] })
    const out = await dockerJob(job)
    assert.equal(out.result.state, 'success', out.text)
    assert.ok(out.text.includes(`<it's "quoted" $HOME and \\ spaces>`), out.text)
  })

  test('pull_policy never with a missing image fails with image_pull_failure', async () => {
    const job = payload({ image: { name: 'glrunner-test/does-not-exist:0' } })
    const out = await dockerJob(job, { pull_policy: ['never'] })
    assert.equal(out.result.state, 'failed')
    assert.equal(out.result.failureReason, 'runner_system_failure') // mapped: image_pull_failure is not in the payload's list
    assert.match(out.text, /failed to pull image "glrunner-test\/does-not-exist:0" with specified policies \[never\]/)
  })

  test('pull_policy never with a missing image reports image_pull_failure when GitLab supports it', async () => {
    const job = payload({ image: { name: 'glrunner-test/does-not-exist:0' } })
    job.features = { trace_sections: true, failure_reasons: ['script_failure', 'image_pull_failure'] }
    const out = await dockerJob(job, { pull_policy: ['never'] })
    assert.equal(out.result.failureReason, 'image_pull_failure')
    assert.match(out.text, /WARNING: Failed to pull image with policy "never"/)
  })

  test('an image outside allowed_images is refused with the official block', async () => {
    const job = payload({})
    job.features = { trace_sections: true, failure_reasons: ['script_failure', 'runner_configuration_error'] }
    const out = await dockerJob(job, { allowed_images: ['ruby:*', 'registry.example.com/**'] })
    assert.equal(out.result.failureReason, 'runner_configuration_error')
    assert.match(out.text, /The "glrunner-test\/busybox:1" image is not present on list of allowed images:\n- ruby:\*\n- registry\.example\.com\/\*\*\n/)
    assert.match(out.text, /ERROR: Job failed: disallowed image/)
  })

  test('services answer by their aliases and derived names on the job network (C-17)', async () => {
    const httpd = { name: BUSYBOX_WEB_IMAGE, command: ['httpd', '-f', '-p', '80', '-h', '/etc'] }
    const job = payload({
      services: [{ ...httpd, alias: 'web-a' }, { ...httpd, alias: 'web-b,front' }],
      script: [
        'wget -qO- http://web-a/passwd | head -1',
        'wget -qO- http://web-b/group | head -1',
        'wget -qO- http://front/passwd >/dev/null && echo front-ok',
        'wget -qO- http://glrunner-test__busybox-web/passwd >/dev/null && echo derived-ok',
        'wget -qO- http://glrunner-test-busybox-web/passwd >/dev/null && echo dashed-ok',
      ],
    })
    const out = await dockerJob(job, { wait_for_services_timeout: 10 })
    assert.equal(out.result.state, 'success', out.text)
    assert.match(out.text, /Starting service glrunner-test\/busybox-web:1\.\.\./)
    assert.match(out.text, /Skipping alias "glrunner-test__busybox-web" for service "glrunner-test\/busybox-web:1" \(services\[1\]\)/)
    for (const line of ['root:x:0:0:root:/root:/bin/sh', 'root:x:0:', 'front-ok', 'derived-ok', 'dashed-ok']) assert.ok(out.text.includes(`\n${line}\n`), line)
    assert.doesNotMatch(out.text, /probably didn't start properly/)
  })

  test('a service that never opens its port gets the warning with its log, and the job goes on', async () => {
    const job = payload({
      services: [{ name: BUSYBOX_WEB_IMAGE, command: ['sh', '-c', 'echo service-is-sleeping; sleep 60'] }],
      script: ['echo script-ran'],
    })
    const started = Date.now()
    const out = await dockerJob(job, { wait_for_services_timeout: 2 })
    assert.equal(out.result.state, 'success', out.text)
    assert.match(out.text, /Waiting for services to be up and running \(timeout 2 seconds\)\.\.\./)
    assert.match(out.text, /\*\*\* WARNING: Service runner-\S+-glrunner-test__busybox-web-0 probably didn't start properly\./)
    assert.match(out.text, /service "runner-\S+-wait-for-service" timeout/)
    assert.match(out.text, /Service container logs:\nservice-is-sleeping\n/)
    assert.match(out.text, /\nscript-ran\n/)
    assert.ok(Date.now() - started < 30_000)
  })

  test('a prepare that fails and is retried leaves no volume of any attempt behind', async () => {
    // The engine creates the service but cannot start it: a system failure, prepared again
    // (3 attempts), each attempt with new container and volume names.
    const job = payload({ services: [{ name: BUSYBOX_IMAGE, alias: 'broken', entrypoint: ['/no/such/entrypoint'] }] })
    const out = await dockerJob(job)
    assert.equal(out.result.state, 'failed', out.text)
    assert.equal([...out.text.matchAll(/Will be retried in/g)].length, 2, out.text)
  })

  test('cancelling a job during a long sleep stops it promptly and removes every container, network and volume', async () => {
    const job = payload({ script: ['echo sleeping', 'sleep 100'] })
    const started = Date.now()
    const out = await dockerJob(job, {}, ({ abort }) => setTimeout(() => abort({ kind: 'canceled' }), 4_000))
    assert.equal(out.result.state, 'failed')
    assert.equal(out.result.failureReason, 'job_canceled')
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`)
  })

  test('the job timeout stops the build container', async () => {
    const job = payload({ script: ['sleep 100'], runner_info: { timeout: 5 } })
    const out = await dockerJob(job)
    assert.equal(out.result.failureReason, 'job_execution_timeout')
    assert.match(out.text, /execution took longer than/)
  })
})
