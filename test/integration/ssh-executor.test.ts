/**
 * The ssh executor against a real OpenSSH server (test/helpers/sshd.ts) on 127.0.0.1 with
 * a throwaway user: auth, host keys, exit codes, git sources from the coordinator, file
 * transfer, and stopping the remote process tree. Skips loudly without sshd or root,
 * except with CI=true, where that is a failure.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { copyFileSync, createWriteStream, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import type { RunnerConfig, SshConfig } from '../../src/config/runner-config.js'
import { startCoordinator, type Coordinator } from '../../src/coordinator/index.js'
import { createSshExecutorProvider } from '../../src/executors/ssh/provider.js'
import { SshExecutor } from '../../src/executors/ssh/ssh-executor.js'
import { createJobLog } from '../../src/engine/job-log/job-log.js'
import { createTraceBuffer } from '../../src/engine/job-log/trace-buffer.js'
import { defaultRunnerConfig } from '../../src/config/runner-config.js'
import { jobPayloadSchema, type JobPayloadInput } from '../../src/gitlab/job-payload.js'
import { runBuild } from '../../src/engine/build.js'
import type { ArtifactsTransport } from '../../src/engine/types.js'
import yazl from 'yazl'
import { basePayload, createRepo, runJob, scratchDir, type JobRunOutput } from '../conformance/run-job.js'
import { processesOf, sshdUnavailableReason, startSshServer, type SshTestServer } from '../helpers/sshd.js'

const unavailable = sshdUnavailableReason()
if (unavailable !== undefined) {
  if (process.env.CI === 'true') throw new Error(`ssh executor tests cannot run in CI: ${unavailable}`)
  console.warn(`\n*** SKIPPING ssh executor tests: ${unavailable} ***\n`)
}
const skip = unavailable ?? false

const REASONS = ['script_failure', 'job_execution_timeout', 'job_canceled', 'runner_system_failure', 'runner_configuration_error']
const provider = createSshExecutorProvider({ gracefulKillMs: 1_000, forceKillMs: 2_000 })
let server: SshTestServer
let coordinator: Coordinator
const scratch = scratchDir('glr-ssh-')

before(async () => {
  if (unavailable !== undefined) return
  server = await startSshServer()
  coordinator = await startCoordinator()
})

after(async () => {
  await server?.stop()
  await coordinator?.close()
  scratch.remove()
})

function sshConfig(extra: SshConfig = {}): SshConfig {
  return { host: server.host, port: server.port, user: server.user, password: server.password, known_hosts_file: server.knownHostsFile, ...extra }
}

async function sshJob(options: { ssh?: SshConfig; payload?: Partial<JobPayloadInput>; runner?: Partial<RunnerConfig>; control?: Parameters<typeof runJob>[0]['control'] } = {}): Promise<JobRunOutput> {
  const payload = basePayload(options.payload)
  payload.features = { ...payload.features, failure_reasons: REASONS }

  return await runJob({
    payload,
    provider,
    runner: { executor: 'ssh', ssh: options.ssh ?? sshConfig(), ...options.runner },
    ...(options.control !== undefined ? { control: options.control } : {}),
  })
}

function script(...lines: string[]): Partial<JobPayloadInput> {
  return { steps: [{ name: 'script', script: lines, when: 'on_success' }] }
}

/** Command lines of the test user's processes (the remote side, on this machine). */
function remoteCommands(): string[] {
  return processesOf(server.uid).map((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()
    } catch {
      return ''
    }
  }).filter((line) => line !== '')
}

async function closedPort(): Promise<number> {
  return await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 1))
    })
  })
}

test('password auth runs the job as the remote user in a remote builds dir', { skip }, async () => {
  const out = await sshJob({ payload: script('echo "user=$(whoami)"', 'pwd') })
  assert.equal(out.result.state, 'success', out.text)
  assert.ok(out.text.includes('Using SSH executor...\n'))
  assert.ok(out.text.includes(`user=${server.user}\n`), out.text)
  // The default relative `builds` is resolved on the remote, against the login directory.
  assert.ok(out.text.includes(`${server.home}/builds/RunnerTok/0/project-7\n`), out.text)
})

test('key auth works without a password, and an exit code comes back in the SSH wording', { skip }, async () => {
  const out = await sshJob({ ssh: sshConfig({ password: '', identity_file: server.identityFile }), payload: script('echo keyed', 'exit 7') })
  assert.equal(out.result.state, 'failed')
  assert.equal(out.result.exitCode, 7)
  assert.equal(out.result.failureReason, 'script_failure')
  assert.ok(out.text.includes('keyed\n'))
  assert.ok(out.text.includes('ERROR: Job failed: Process exited with status 7'), out.text)
})

test('a wrong password fails preparation with a dial error', { skip }, async () => {
  const out = await sshJob({ ssh: sshConfig({ password: 'wrong', connect_attempts: 1 }) })
  assert.equal(out.result.failureReason, 'runner_system_failure')
  assert.match(out.text, /ssh Dial\(\) error: All configured authentication methods failed/)
})

test('a changed host key fails the job naming the host and the presented key', { skip }, async () => {
  const out = await sshJob({ ssh: sshConfig({ known_hosts_file: server.wrongKnownHostsFile }) })
  assert.equal(out.result.state, 'failed')
  assert.equal(out.result.failureReason, 'runner_system_failure')
  assert.ok(out.text.includes(`knownhosts: key mismatch: host [127.0.0.1]:${server.port} presented ssh-ed25519 key ${server.hostKeyFingerprint}`), out.text)
  assert.ok(!out.text.includes('hello\n'), 'nothing ran')
})

test('an unknown host key fails unless strict checking is disabled', { skip }, async () => {
  const empty = join(scratch.dir, 'empty_known_hosts')
  writeFileSync(empty, '')
  const strict = await sshJob({ ssh: sshConfig({ known_hosts_file: empty }) })
  assert.equal(strict.result.failureReason, 'runner_system_failure')
  assert.ok(strict.text.includes(`knownhosts: key is unknown: host [127.0.0.1]:${server.port}`), strict.text)
  assert.ok(strict.text.includes(server.hostKeyFingerprint))

  const relaxed = await sshJob({ ssh: sshConfig({ known_hosts_file: empty, disable_strict_host_key_checking: true }) })
  assert.equal(relaxed.result.state, 'success', relaxed.text)
})

test('a hashed known_hosts entry is recognised', { skip }, async () => {
  const hashed = join(scratch.dir, 'hashed_known_hosts')
  writeFileSync(hashed, readFileSync(server.knownHostsFile))
  execFileSync('ssh-keygen', ['-q', '-H', '-f', hashed], { stdio: 'ignore' })
  assert.ok(readFileSync(hashed, 'utf8').startsWith('|1|'))
  const out = await sshJob({ ssh: sshConfig({ known_hosts_file: hashed }) })
  assert.equal(out.result.state, 'success', out.text)
})

test('an unreachable host fails after the configured attempts with a dial error', { skip }, async () => {
  const port = await closedPort()
  const started = Date.now()
  const out = await sshJob({ ssh: sshConfig({ port, connect_attempts: 2, connect_retry_interval: 0.2 }) })
  assert.equal(out.result.failureReason, 'runner_system_failure')
  assert.match(out.text, /ERROR: Job failed \(system failure\): ssh Dial\(\) error: connect ECONNREFUSED 127\.0\.0\.1:\d+/)
  assert.ok(Date.now() - started < 5_000)
})

test('a job with git sources clones from the coordinator on the remote host', { skip }, async () => {
  const repoDir = join(scratch.dir, 'repo')
  mkdirSync(repoDir)
  createRepo(repoDir, { 'README.md': 'remote hello\n' })
  coordinator.addProject({ path: 'group/project', repoDir })
  const runnerToken = coordinator.createRunner().token
  coordinator.enqueueJob({ project: 'group/project', script: ['cat README.md', 'pwd', 'stat -c %U .git'], variables: [{ key: 'GIT_STRATEGY', value: 'clone' }] })
  const response = await fetch(`${coordinator.url}/api/v4/jobs/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: runnerToken, system_id: 's_0123456789ab', info: { features: { refspecs: true } } }),
  })
  assert.equal(response.status, 201)
  const payload = (await response.json()) as JobPayloadInput

  // The SSH default builds dir is the relative `builds` (in the remote user's home): the
  // credentials file must still be found from inside .git/.
  const runner = { executor: 'ssh', ssh: sshConfig() }
  const out = await runJob({ payload, provider, runner })
  assert.equal(out.result.state, 'success', out.text)
  assert.ok(out.text.includes('remote hello\n'))
  assert.ok(out.text.includes(`${server.home}/builds/RunnerTok/0/group/project\n`), out.text)
  assert.ok(out.text.includes(`\n${server.user}\n`), 'git ran as the remote user')
})

test('files download and upload move the project dir contents over the connection', { skip }, async () => {
  const executor = new SshExecutor()
  const trace = createTraceBuffer()
  const log = createJobLog(trace, { maskedValues: [], extraTokenPrefixes: [], timestamps: false, outputLimitBytes: 1 << 20, sections: false })
  const projectDir = 'builds/transfer/project'
  const payload = jobPayloadSchema.parse(basePayload())
  const signal = new AbortController().signal
  try {
    await executor.prepare({
      payload, runner: defaultRunnerConfig({ name: 't', token: 'glrt-x', url: 'http://127.0.0.1:1', ssh: sshConfig() }),
      paths: { buildsDir: 'builds', projectDir, tmpDir: `${projectDir}.tmp`, cacheDir: 'cache/p' }, shell: 'bash', log, signal,
    })
    const output: Buffer[] = []
    await executor.run({
      stage: 'step_script', shell: 'bash', predefined: false, signal, stdout: (chunk) => output.push(chunk), stderr: (chunk) => output.push(chunk),
      script: `mkdir -p ${projectDir}/out/deep && cd ${projectDir} && echo one > out/deep/a.txt && echo top > top.txt && ln -s top.txt link\n`,
    })
    const files = executor.files
    assert.ok(files !== undefined)

    const local = join(scratch.dir, 'download')
    await files.download(['out', 'link', 'missing'], local, signal)
    assert.equal(readFileSync(join(local, 'out/deep/a.txt'), 'utf8'), 'one\n')
    assert.ok(lstatSync(join(local, 'link')).isSymbolicLink())
    assert.equal(readlinkSync(join(local, 'link')), 'top.txt')
    assert.ok(!existsSync(join(local, 'top.txt')), 'only the asked-for paths')
    assert.ok(!existsSync(join(local, 'missing')))

    const upload = join(scratch.dir, 'upload')
    mkdirSync(join(upload, 'out'), { recursive: true })
    writeFileSync(join(upload, 'out', 'new.txt'), 'uploaded\n')
    writeFileSync(join(upload, 'top.txt'), 'replaced\n')
    await files.upload(upload, signal)
    const remote = join(server.home, projectDir)
    assert.equal(readFileSync(join(remote, 'out/new.txt'), 'utf8'), 'uploaded\n')
    assert.equal(readFileSync(join(remote, 'top.txt'), 'utf8'), 'replaced\n')
    assert.equal(readFileSync(join(remote, 'out/deep/a.txt'), 'utf8'), 'one\n', 'other files are kept')
    assert.equal(lstatSync(join(remote, 'out/new.txt')).uid, server.uid, 'files belong to the remote user')
  } finally {
    await executor.cleanup()
    log.close()
    trace.dispose()
  }
})

test('background processes a stage leaves behind do not outlive it', { skip }, async () => {
  const out = await sshJob({ payload: script('sleep 1231 &', 'echo started') })
  assert.equal(out.result.state, 'success', out.text)
  await delay(200)
  assert.deepEqual(remoteCommands().filter((line) => line.includes('sleep 1231')), [])
})

test('cancel kills the remote process tree, including children that ignore TERM', { skip }, async () => {
  const out = await sshJob({
    payload: script('sleep 1232 &', "bash -c 'trap \"\" TERM; sleep 1233' &", 'echo running', 'sleep 1234'),
    control: ({ abort }) => {
      setTimeout(() => abort({ kind: 'canceled' }), 1_500)
    },
  })
  assert.equal(out.result.failureReason, 'job_canceled', out.text)
  assert.ok(out.text.includes('running\n'))
  await delay(200)
  assert.deepEqual(remoteCommands().filter((line) => /sleep 123[234]/.test(line)), [])
})

test('a job timeout stops the remote script', { skip }, async () => {
  const started = Date.now()
  const out = await sshJob({ payload: { ...script('sleep 1235'), runner_info: { timeout: 2 } } })
  assert.equal(out.result.failureReason, 'job_execution_timeout', out.text)
  assert.ok(Date.now() - started < 6_000)
  await delay(200)
  assert.deepEqual(remoteCommands().filter((line) => line.includes('sleep 1235')), [])
})

test('cache saved by one job is restored into another project dir on the remote host', { skip }, async () => {
  const cacheDir = join(scratch.dir, 'runner-cache')
  const cache = [{ key: 'deps', paths: ['vendor/'], policy: 'pull-push', when: 'on_success' }]
  const first = await sshJob({ payload: { ...script('mkdir -p vendor', 'echo cached-content > vendor/lib.txt'), cache }, runner: { cache_dir: cacheDir } })
  assert.equal(first.result.state, 'success', first.text)
  assert.match(first.text, /Saving cache for successful job/)
  assert.match(first.text, /vendor\/: found \d+ matching artifact files and directories/, first.text)

  const second = await runJob({
    payload: { ...basePayload({ ...script('cat vendor/lib.txt', 'pwd'), cache }), features: { trace_sections: true, failure_reasons: REASONS } },
    provider,
    runner: { executor: 'ssh', ssh: sshConfig(), cache_dir: cacheDir },
    concurrentProjectId: 1,
  })
  assert.equal(second.result.state, 'success', second.text)
  assert.ok(second.text.includes('cached-content\n'), second.text)
  assert.ok(second.text.includes(`${server.home}/builds/RunnerTok/1/project-7\n`))
})

test('artifacts are uploaded from and dependencies extracted into the remote project dir', { skip }, async () => {
  const zipPath = join(scratch.dir, 'dependency.zip')
  await new Promise<void>((resolve, reject) => {
    const zip = new yazl.ZipFile()
    zip.addBuffer(Buffer.from('from a dependency\n'), 'dep/in.txt')
    zip.outputStream.pipe(createWriteStream(zipPath)).on('close', resolve).on('error', reject)
    zip.end()
  })
  const uploaded: { fileName: string; bytes: Buffer }[] = []
  const artifacts: ArtifactsTransport = {
    upload: async (options) => {
      uploaded.push({ fileName: options.fileName, bytes: readFileSync(options.filePath) })
    },
    download: async (options) => {
      copyFileSync(zipPath, options.destination)
    },
  }
  const payload = jobPayloadSchema.parse({
    ...basePayload(script('cat dep/in.txt', 'mkdir -p out', 'echo built > out/result.txt')),
    dependencies: [{ id: 900, name: 'build', token: 'glcbt-dep', artifacts_file: { filename: 'artifacts.zip', size: 1 } }],
    artifacts: [{ name: 'result', paths: ['out/'], when: 'on_success', artifact_type: 'archive', artifact_format: 'zip' }],
    features: { trace_sections: true, failure_reasons: REASONS },
  })
  const trace = createTraceBuffer()
  const result = await runBuild({
    payload,
    runner: defaultRunnerConfig({ name: 'test-runner', token: 'glrt-t1_RunnerTokenAbc', url: 'http://127.0.0.1:1', executor: 'ssh', ssh: sshConfig(), feature_flags: { FF_TIMESTAMPS: false } }),
    identity: { shortToken: 'RunnerTok', systemId: 's_0123456789ab', concurrentId: 0, concurrentProjectId: 2 },
    executor: provider,
    trace,
    control: { cancel: new AbortController().signal, abort: new AbortController().signal },
    artifacts,
  })
  const text = trace.read(0, trace.size).toString('utf8')
  trace.dispose()
  assert.equal(result.state, 'success', text)
  assert.ok(text.includes('from a dependency\n'), text)
  assert.equal(uploaded.length, 1, text)
  assert.ok(uploaded[0]?.bytes.includes(Buffer.from('out/result.txt')), 'the archive holds the remote file')
})

/** A TCP server on 127.0.0.1 that accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>()
  const silent = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const address = silent.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0

  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    },
  }
}

test('a host that never answers the handshake fails after connect_timeout', { skip }, async () => {
  const silent = await silentServer()
  try {
    const started = Date.now()
    const out = await sshJob({ ssh: sshConfig({ port: silent.port, connect_timeout: 1, connect_attempts: 1 }) })
    assert.equal(out.result.failureReason, 'runner_system_failure')
    assert.match(out.text, /ssh Dial\(\) error: Timed out while waiting for handshake/)
    const elapsed = Date.now() - started
    assert.ok(elapsed >= 900 && elapsed < 5_000, `took ${elapsed} ms`)
  } finally {
    await silent.close()
  }
})

test('a cancel during a hanging connect ends the job without waiting for the connect timeout', { skip }, async () => {
  const silent = await silentServer()
  try {
    const started = Date.now()
    const out = await sshJob({
      ssh: sshConfig({ port: silent.port, connect_timeout: 60 }),
      control: ({ abort }) => {
        setTimeout(() => abort({ kind: 'canceled' }), 500)
      },
    })
    assert.equal(out.result.failureReason, 'job_canceled', out.text)
    assert.ok(Date.now() - started < 5_000)
  } finally {
    await silent.close()
  }
})
