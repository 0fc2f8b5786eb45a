/**
 * Start-up reaping of crashed jobs' leftovers on a real Docker Engine: a job runs in a
 * child process that is killed -9 mid-job; the provider's start-up hook (what the runner
 * manager calls) removes that job's containers, network and per-job volume, and leaves
 * alone a job still running in this process, kept cache volumes, objects of live processes
 * and objects glrunner did not label.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Logger } from '../../src/core/logger.js'
import type { RunnerConfig } from '../../src/config/runner-config.js'
import { createDockerExecutorProvider } from '../../src/executors/docker/index.js'
import { currentOwner, formatOwner, OWNER_LABEL, processStartTime } from '../../src/executors/docker/process-owner.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'
import { basePayload, runJob, scratchDir } from '../conformance/run-job.js'
import { BUSYBOX_IMAGE, dockerTestSkipReason, objectsWithLabel, removeWithLabel } from '../helpers/docker-images.js'

const skip = dockerTestSkipReason()
const scratch = scratchDir('glr-docker-reap-')
const RUN_JOB = fileURLToPath(new URL('../conformance/run-job.ts', import.meta.url))
const PROVIDER = fileURLToPath(new URL('../../src/executors/docker/index.ts', import.meta.url))
const JOB_ID = 'com.gitlab.gitlab-runner.job.id'
const CPID = 31 // Own cache-volume names: other docker test files run in parallel.
const firstId = 81_000 + Math.floor(Math.random() * 1000) * 10
let nextId = firstId
const decoyLabel = `glrunner.test.decoy=${firstId}`

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' }).trim()
const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '')

function dockerSettings(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { pull_policy: ['if-not-present'], container_labels: { 'glrunner.test': '1' }, wait_for_services_timeout: -1, ...extra }
}

function payload(script: string[]): JobPayloadInput {
  const id = ++nextId
  const base = basePayload()

  return { ...base, id, job_info: { ...base.job_info, id }, image: { name: BUSYBOX_IMAGE }, runner_info: { timeout: 120 }, steps: [{ name: 'script', script, when: 'on_success' }] }
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

const buildRunning = (jobId: number): boolean =>
  docker('ps', '-q', '--filter', `label=${JOB_ID}=${jobId}`, '--filter', 'label=com.gitlab.gitlab-runner.type=build', '--filter', 'status=running') !== ''

function recordingLogger(): Logger & { lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> } {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = []
  const at = (level: string) => (message: string, fields: Record<string, unknown> = {}): void => void lines.push({ level, message, fields })
  const logger = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger, setLevel: () => undefined }

  return logger
}

/** A job in a child process, killed -9 once its build container runs. */
async function crashJobInChild(job: JobPayloadInput): Promise<void> {
  const code = [
    `import { runJob } from ${JSON.stringify(RUN_JOB)}`,
    `import { createDockerExecutorProvider } from ${JSON.stringify(PROVIDER)}`,
    `await runJob({ payload: ${JSON.stringify(job)}, concurrentProjectId: ${CPID},`,
    `  runner: { executor: 'docker', docker: ${JSON.stringify(dockerSettings({ volumes: ['/cache'] }))} }, provider: createDockerExecutorProvider() })`,
  ].join('\n')
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'inherit'] })
  try {
    await waitFor(`job ${job.id} in the child process`, () => buildRunning(job.id as number))
  } finally {
    child.kill('SIGKILL')
  }
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)))
}

describe('docker leftovers of crashed jobs', { skip }, () => {
  const jobs: number[] = []
  before(() => writeFileSync(join(scratch.dir, 'marker'), ''))
  after(() => {
    for (const id of jobs) removeWithLabel(`${JOB_ID}=${id}`)
    removeWithLabel(decoyLabel)
    scratch.remove()
  })

  test('the start-up hook removes a killed runner\'s job objects and keeps running jobs, cache volumes and foreign objects', async () => {
    // A job of this process that stays running until the go file appears.
    const running = payload(['while [ ! -e /signal/go ]; do sleep 0.2; done', 'echo released'])
    const crashed = payload(['echo started', 'sleep 300'])
    jobs.push(running.id as number, crashed.id as number)
    const inProcess = runJob({
      payload: running, concurrentProjectId: CPID, provider: createDockerExecutorProvider(),
      runner: { executor: 'docker', docker: dockerSettings({ volumes: [`${scratch.dir}:/signal`] }) } as Partial<RunnerConfig>,
    })
    await waitFor(`job ${running.id} in this process`, () => buildRunning(running.id as number))

    await crashJobInChild(crashed)
    const left = objectsWithLabel(`${JOB_ID}=${crashed.id}`)
    assert.equal(left.containers.length, 2, 'predefined and build containers stay after kill -9')
    assert.equal(left.networks.length, 1)
    const kinds = (volume: string): string => docker('volume', 'inspect', '-f', '{{index .Labels "com.gitlab.gitlab-runner.reusable"}}', volume)
    const perJob = left.volumes.filter((volume) => kinds(volume) === 'false')
    const kept = left.volumes.filter((volume) => kinds(volume) === 'true')
    assert.equal(perJob.length, 1, 'the per-job builds volume')
    assert.equal(kept.length, 1, 'the /cache volume')

    // Objects that are not leftovers: no owner label, and owned by a live process.
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' })
    const liveOwner = formatOwner({ ...currentOwner(), pid: sleeper.pid as number, startTime: processStartTime(sleeper.pid as number) })
    const job = ['--label', 'com.gitlab.gitlab-runner.managed=true', '--label', `${JOB_ID}=${crashed.id}`, '--label', decoyLabel]
    const unowned = docker('volume', 'create', ...job)
    const live = docker('volume', 'create', ...job, '--label', `${OWNER_LABEL}=${liveOwner}`)

    const logger = recordingLogger()
    try {
      await createDockerExecutorProvider().startup?.({ runner: { docker: {} } as RunnerConfig, logger })
    } finally {
      sleeper.kill('SIGKILL')
    }

    const after = objectsWithLabel(`${JOB_ID}=${crashed.id}`)
    assert.deepEqual(after.containers, [])
    assert.deepEqual(after.networks, [])
    assert.deepEqual(after.volumes.sort(), [...kept, unowned, live].sort())
    const info = logger.lines.find((line) => line.level === 'info')
    assert.equal(info?.message, 'removed leftovers of docker jobs whose runner process is gone')
    assert.deepEqual(info?.fields.jobs, [String(crashed.id)])
    assert.equal(info?.fields.containers, 2)

    assert.ok(buildRunning(running.id as number), 'the job of this process still runs')
    writeFileSync(join(scratch.dir, 'go'), '')
    const out = await inProcess
    assert.equal(out.result.state, 'success', out.text)
    assert.match(out.text, /\nreleased\n/)
  })

  test('without a start-up hook the first job on the engine removes leftovers before it starts', async () => {
    // Objects as a crashed runner leaves them: its process (an exited child) is gone.
    const deadPid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout)
    const deadOwner = formatOwner({ ...currentOwner(), pid: deadPid, startTime: currentOwner().startTime === '' ? '' : '1' })
    const labels = ['--label', 'com.gitlab.gitlab-runner.managed=true', '--label', `${JOB_ID}=${firstId}`, '--label', decoyLabel, '--label', `${OWNER_LABEL}=${deadOwner}`]
    const container = docker('create', ...labels, BUSYBOX_IMAGE, 'true')
    const network = docker('network', 'create', ...labels, `glr-test-reap-${firstId}`)
    const volume = docker('volume', 'create', ...labels, '--label', 'com.gitlab.gitlab-runner.reusable=false')
    const cache = docker('volume', 'create', ...labels, '--label', 'com.gitlab.gitlab-runner.reusable=true')

    const job = payload(['echo hello'])
    jobs.push(job.id as number)
    const out = await runJob({ payload: job, concurrentProjectId: CPID, provider: createDockerExecutorProvider(), runner: { executor: 'docker', docker: dockerSettings() } as Partial<RunnerConfig> })
    assert.equal(out.result.state, 'success', out.text)

    const left = objectsWithLabel(decoyLabel)
    assert.ok(!left.containers.some((id) => container.startsWith(id)), 'container removed')
    assert.ok(!left.networks.some((id) => network.startsWith(id)), 'network removed')
    assert.deepEqual(left.volumes.filter((name) => name === volume || name === cache), [cache])
    assert.deepEqual(lines(docker('ps', '-aq', '--filter', `label=${JOB_ID}=${job.id}`)), [], 'the job cleaned up after itself')
  })
})
