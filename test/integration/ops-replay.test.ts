import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startCoordinator, type Coordinator } from '../../src/coordinator/index.js'
import { redactPayload, stripUrlCredentials } from '../../src/service/payload-store.js'
import { makeGitProject } from '../helpers/git-project.js'
import { glrunnerArgs } from '../helpers/glrunner-cli.js'

const SECRET = 'hunter2-secret-value'

function glrunner(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, glrunnerArgs(args), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))

  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })))
}

/** Job log lines without what differs between two runs of one job: times and durations. */
function normalise(trace: string): string[] {
  return trace
    .split('\n')
    .map((line) =>
      line
        .replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z \d\d[OE]\+? /, '')
        .replace(/section_(start|end):\d+:/g, 'section_$1:<T>:')
        // The build dir names the runner (its short token); the replay is another runner.
        .replace(/\/builds\/[A-Za-z0-9_-]+\//g, '/builds/<runner>/')
        .replace(/\r?\x1b\[0K/g, '')
        .trimEnd(),
    )
    .filter((line) => line !== '')
}

describe('job replay', () => {
  let coordinator: Coordinator
  let project: { dir: string; remove: () => Promise<void> }
  let dir: string

  before(async () => {
    coordinator = await startCoordinator({ traceUpdateIntervalSeconds: 1 })
    project = await makeGitProject({ 'README.md': 'replay me\n' })
    coordinator.addProject({ path: 'acme/replayed', repoDir: project.dir })
    dir = await mkdtemp(join(tmpdir(), 'glrunner-ops-replay-'))
  })
  after(async () => {
    await coordinator.close()
    await project.remove()
    await rm(dir, { recursive: true, force: true })
  })

  it('saves a failed job without its secrets and replays it with the same log lines', async () => {
    const runner = coordinator.createRunner()
    const job = coordinator.enqueueJob({
      project: 'acme/replayed',
      variables: [{ key: 'MY_SECRET', value: SECRET, masked: true }, { key: 'PLAIN', value: 'plain-value' }],
      script: ['echo "plain is $PLAIN"', 'echo "secret is $MY_SECRET"', 'cat README.md', 'git log -1 --format=%s', 'exit 4'],
    })
    const saveDir = join(dir, 'saved')
    const buildsDir = join(dir, 'builds')
    // Jobs start login shells: an empty HOME keeps this machine's profile (which may print
    // different warnings in each run, e.g. pyenv racing another process) out of both logs.
    const home = join(dir, 'home')
    await mkdir(home, { recursive: true })
    const first = await glrunner(['run-single', '--url', coordinator.url, '--token', runner.token, '--max-builds', '1', '--check-interval', '0.2', '--builds-dir', buildsDir, '--save-payloads', saveDir], { HOME: home })
    assert.equal(first.code, 0, first.stderr)
    const original = coordinator.job(job.id)!
    assert.equal(original.state, 'failed')

    const files = await readdir(saveDir)
    assert.deepEqual(files, [`job-${job.id}.json`])
    const savedText = await readFile(join(saveDir, files[0]!), 'utf8')
    assert.ok(!savedText.includes(job.token), 'the job token is not saved')
    assert.ok(!savedText.includes(runner.token), 'the runner token is not saved')
    assert.ok(!savedText.includes(SECRET), 'masked values are not saved')
    const saved = JSON.parse(savedText)
    assert.deepEqual(saved.outcome, { state: 'failed', failure_reason: 'script_failure' })
    assert.ok(saved.redacted_variables.includes('MY_SECRET') && saved.redacted_variables.includes('CI_JOB_TOKEN'))
    assert.doesNotMatch(saved.payload.git_info.repo_url, /@/)

    const replayed = await glrunner(['run-single', '--payload', join(saveDir, files[0]!), '--repo', project.dir, '--builds-dir', buildsDir], { MY_SECRET: SECRET, HOME: home })
    assert.equal(replayed.code, 1, replayed.stderr)
    assert.match(replayed.stderr, /replayed job finished.*failed|failed.*replayed job finished/)
    const expected = normalise(original.trace.toString())
    const actual = normalise(replayed.stdout)
    // Only the header may differ: it names the runner that ran the job, which is another one.
    const header = (line: string) => line.startsWith('  on ')
    assert.deepEqual(actual.filter((line) => !header(line)), expected.filter((line) => !header(line)))
    assert.equal(actual.filter(header).length, expected.filter(header).length)
    assert.ok(expected.some((line) => line.includes('secret is [MASKED]')), 'the secret is masked in both logs')
    assert.ok(actual.some((line) => line.includes('replay me')) && actual.some((line) => line === 'initial'))
  })

  it('refuses to replay without sources unless the job uses GIT_STRATEGY none', async () => {
    const payloadFile = join(dir, 'bare.json')
    await writeFile(payloadFile, JSON.stringify({ id: 1, token: 'x', git_info: { sha: 'a'.repeat(40), ref: 'main' }, job_info: { project_full_path: 'a/b' }, variables: [], steps: [] }))
    const result = await glrunner(['run-single', '--payload', payloadFile])
    assert.equal(result.code, 1)
    assert.match(result.stderr, /replaying this job needs its sources/)
  })

  it('redacts credentials in URLs, registry passwords and dependency tokens', () => {
    assert.equal(stripUrlCredentials('https://gitlab-ci-token:abc@host/x.git'), 'https://host/x.git')
    assert.equal(stripUrlCredentials('not a url'), 'not a url')
    const { payload, redactedVariables } = redactPayload({
      token: 'glcbt-abcdefgh123',
      credentials: [{ type: 'registry', url: 'r', username: 'u', password: 'pw-1' }],
      dependencies: [{ id: 1, token: 'glcbt-abcdefgh123' }],
      variables: [{ key: 'CUSTOM', value: 'x glcbt-abcdefgh123 y' }, { key: 'CI_REGISTRY_PASSWORD', value: 'pw-2' }],
    })
    assert.ok(!JSON.stringify(payload).match(/glcbt-abcdefgh123|pw-1|pw-2/))
    assert.deepEqual(redactedVariables, ['CI_REGISTRY_PASSWORD'])
  })
})
