/**
 * The docker executor's file side on a real engine: BuildFileTransfer over the archive API
 * (directly and through the engine's artifact stage), a helper_image for git sources, and
 * the labels on everything a job creates.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, readlinkSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { defaultRunnerConfig } from '../../src/config/runner-config.js'
import { runBuild } from '../../src/engine/build.js'
import { createJobLog } from '../../src/engine/job-log/job-log.js'
import { createTraceBuffer } from '../../src/engine/job-log/trace-buffer.js'
import type { ContainerClient } from '../../src/executors/docker/container-client.js'
import { createDockerodeClient, createDockerExecutorProvider, DockerExecutor } from '../../src/executors/docker/index.js'
import { jobPayloadSchema, type JobPayloadInput } from '../../src/gitlab/job-payload.js'
import { basePayload, createRepo, runJob, scratchDir, stripAnsi } from '../conformance/run-job.js'
import { BUSYBOX_IMAGE, DEBIAN_GIT_IMAGE, dockerTestSkipReason } from '../helpers/docker-images.js'
import { DOCKER_TEST_DEFAULTS as DOCKER, dockerJobPayload, expectNoJobLeftovers } from '../helpers-docker/docker-job.js'

const skip = dockerTestSkipReason({ debian: true })
const scratch = scratchDir('glr-docker-files-')
let nextJobId = 73_000 + Math.floor(Math.random() * 1000) * 10

function payload(script: string[], extra: Partial<JobPayloadInput> = {}): JobPayloadInput {
  return dockerJobPayload({ id: ++nextJobId, image: BUSYBOX_IMAGE, script }, extra)
}

describe('docker executor files, helper image and labels', { skip }, () => {
  after(() => scratch.remove())

  test('files.download and files.upload move files, directories and symlinks through the archive API', async () => {
    const job = jobPayloadSchema.parse(payload([]))
    const trace = createTraceBuffer()
    const log = createJobLog(trace, { maskedValues: [], extraTokenPrefixes: [], timestamps: false, outputLimitBytes: 1 << 20, sections: false })
    const executor = new DockerExecutor()
    const signal = new AbortController().signal
    const projectDir = '/builds/g/p'
    const paths = { buildsDir: '/builds', projectDir, tmpDir: `${projectDir}.tmp`, cacheDir: '/cache/g/p' }
    const run = (script: string): Promise<void> =>
      executor.run({ stage: 'step_script', script, shell: 'sh', predefined: false, stdout: (chunk) => log.stream(1, 'O').write(chunk), stderr: () => undefined, signal })
    try {
      await executor.prepare({ payload: job, runner: defaultRunnerConfig({ token: 'glrt-t1_FilesTok', docker: DOCKER }), paths, shell: 'sh', log, signal })
      await run(`mkdir -p ${projectDir}/out/deep && cd ${projectDir} && echo one > out/a.txt && echo two > out/deep/b.txt && ln -s a.txt out/link && echo top > top.txt\n`)

      const local = join(scratch.dir, 'download')
      await executor.files?.download(['out', 'top.txt', 'missing/file'], local, signal)
      assert.equal(readFileSync(join(local, 'out/a.txt'), 'utf8'), 'one\n')
      assert.equal(readFileSync(join(local, 'out/deep/b.txt'), 'utf8'), 'two\n')
      assert.equal(readlinkSync(join(local, 'out/link')), 'a.txt')
      assert.equal(readFileSync(join(local, 'top.txt'), 'utf8'), 'top\n')
      assert.equal(existsSync(join(local, 'missing')), false)

      const upload = join(scratch.dir, 'upload')
      mkdirSync(join(upload, 'restored/sub'), { recursive: true })
      writeFileSync(join(upload, 'restored/sub/c.txt'), 'from the runner\n')
      await executor.files?.upload(upload, signal)
      const output: Buffer[] = []
      await executor.run({ stage: 'step_script', script: `cat ${projectDir}/restored/sub/c.txt ${projectDir}/top.txt\n`, shell: 'sh', predefined: true, stdout: (chunk) => output.push(chunk), stderr: () => undefined, signal })
      assert.equal(Buffer.concat(output).toString(), 'from the runner\ntop\n')
    } finally {
      await executor.cleanup()
      log.close()
      trace.dispose()
      expectNoJobLeftovers(job.id)
    }
  })

  test('artifacts made in the container are uploaded through the engine\'s artifact stage', async () => {
    const job = payload(['mkdir -p out', 'echo artifact-content > out/result.txt'], {
      artifacts: [{ name: 'out', paths: ['out/'], when: 'on_success', artifact_type: 'archive', artifact_format: 'zip' }],
    })
    const uploads: string[] = []
    const trace = createTraceBuffer()
    const result = await runBuild({
      payload: jobPayloadSchema.parse(job),
      runner: defaultRunnerConfig({ name: 'r', token: 'glrt-t1_ArtifactTok', url: 'http://127.0.0.1:1', executor: 'docker', docker: DOCKER, feature_flags: { FF_TIMESTAMPS: false } }),
      identity: { shortToken: 'ArtifactT', systemId: 's_0123456789ab', concurrentId: 0, concurrentProjectId: 0 },
      executor: createDockerExecutorProvider(),
      trace,
      control: { abort: new AbortController().signal, cancel: new AbortController().signal },
      artifacts: {
        upload: async (options) => void uploads.push(execFileSync('unzip', ['-p', options.filePath, 'out/result.txt'], { encoding: 'utf8' })),
        download: async () => undefined,
      },
    })
    const text = stripAnsi(trace.read(0, trace.size).toString('utf8'))
    trace.dispose()
    expectNoJobLeftovers(job.id)
    assert.equal(result.state, 'success', text)
    assert.deepEqual(uploads, ['artifact-content\n'], text)
  })

  test('with helper_image the predefined stages run in it: git sources for a busybox job', async () => {
    const repoDir = join(scratch.dir, 'helper-repo')
    mkdirSync(repoDir)
    const repo = createRepo(repoDir, { 'README.md': 'via helper image\n' })
    const job = payload(['cat README.md', 'command -v git || echo no-git-in-build'], {
      git_info: { repo_url: repo.url, ref: 'main', sha: repo.sha, before_sha: '', ref_type: 'branch', refspecs: ['+refs/heads/main:refs/remotes/origin/main'], depth: 0 },
      variables: [...(basePayload().variables ?? []).filter((item) => item.key !== 'GIT_STRATEGY'), { key: 'GIT_STRATEGY', value: 'clone' }],
    })
    const out = await runJob({
      payload: job,
      provider: createDockerExecutorProvider(),
      runner: { executor: 'docker', docker: { ...DOCKER, helper_image: DEBIAN_GIT_IMAGE, volumes: [`${repoDir}:${repoDir}:ro`] } },
    })
    expectNoJobLeftovers(job.id)
    assert.equal(out.result.state, 'success', out.text)
    assert.match(out.text, /Using docker image sha256:\S+ for glrunner-test\/debian-git:1 \.\.\./)
    assert.match(out.text, /Created fresh repository\./)
    assert.match(out.text, /\nvia helper image\n/)
    assert.match(out.text, /\nno-git-in-build\n/)
  })

  test('every container, network and volume of a job carries the official labels', async () => {
    const created: Array<{ name: string; labels: Record<string, string> }> = []
    const provider = createDockerExecutorProvider({
      clientFactory: (address) => {
        const client = createDockerodeClient(address)
        const wrapped: ContainerClient = Object.create(client) as ContainerClient
        wrapped.createContainer = async (spec) => {
          created.push({ name: spec.name, labels: spec.labels })
          return client.createContainer(spec)
        }
        wrapped.createNetwork = async (name, labels, mtu) => {
          created.push({ name, labels })
          return client.createNetwork(name, labels, mtu)
        }
        wrapped.createVolume = async (name, labels) => {
          created.push({ name, labels })
          return client.createVolume(name, labels)
        }
        return wrapped
      },
    })
    const job = payload(['true'], { services: [{ name: 'glrunner-test/busybox-web:1', command: ['sleep', '30'] }] })
    const out = await runJob({ payload: job, provider, runner: { executor: 'docker', docker: DOCKER } })
    expectNoJobLeftovers(job.id)
    assert.equal(out.result.state, 'success', out.text)
    const types = created.map((item) => item.labels['com.gitlab.gitlab-runner.type']).sort()
    assert.deepEqual(types, ['build', 'cache', 'network', 'predefined', 'service'])
    for (const item of created) {
      assert.equal(item.labels['com.gitlab.gitlab-runner.job.id'], String(job.id), item.name)
      assert.equal(item.labels['com.gitlab.gitlab-runner.project.id'], '7', item.name)
      assert.equal(item.labels['com.gitlab.gitlab-runner.runner.id'], 'RunnerTok', item.name)
      assert.equal(item.labels['com.gitlab.gitlab-runner.managed'], 'true', item.name)
      assert.equal(item.labels['glrunner.test'], '1', item.name)
    }
    assert.ok(created.some((item) => /^runner-RunnerTok-project-7-concurrent-0-[0-9a-f]{16}-build$/.test(item.name)))
    assert.ok(created.some((item) => item.name === `runner-runnertok-7-0-${job.id}`))
  })
})
