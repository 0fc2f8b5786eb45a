/**
 * SSH per-job overhead: a `true` job with GIT_STRATEGY=clone through the ssh executor
 * against a real OpenSSH server on 127.0.0.1 (test/helpers/sshd.ts, throwaway user), run
 * in-process through the engine (connect → every stage → cleanup), against what a person
 * would do by hand: `ssh host true` plus `ssh host git clone` of the same repository from
 * the same coordinator, with the same live job token. Not available without sshd or root.
 */
import { rm } from 'node:fs/promises'
import { createSshExecutorProvider } from '../../src/executors/ssh/provider.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'
import { basePayload, runJob as runEngineJob } from '../../test/conformance/run-job.js'
import { sshdUnavailableReason, startSshServer, type SshTestServer } from '../../test/helpers/sshd.js'
import { PROJECT_PATH, startBenchEnv, type BenchEnv } from '../lib/bench-env.js'
import { BenchError } from '../lib/bench-error.js'
import { measuredRow, unavailable } from '../lib/rows.js'
import { timeCommand } from '../lib/timed-command.js'
import type { BenchContext, Figure, FigureRow } from '../lib/types.js'

const ID = 'ssh-overhead'
const TITLE = 'per-job overhead, ssh executor'

/** A job taken from the coordinator over HTTP: a real payload whose token stays live while we use it. */
async function takeJob(env: BenchEnv, runnerToken: string): Promise<JobPayloadInput> {
  env.coordinator.enqueueJob({ project: PROJECT_PATH, script: ['true'], tags: ['bench-ssh'], variables: [{ key: 'GIT_STRATEGY', value: 'clone' }] })
  const response = await fetch(`${env.coordinator.url}/api/v4/jobs/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: runnerToken, info: { features: {} } }),
  })
  if (response.status !== 201) throw new BenchError(`picking a job answered ${response.status}, expected 201`)

  return (await response.json()) as JobPayloadInput
}

function sshArgs(server: SshTestServer): string[] {
  return [
    '-p', String(server.port), '-i', server.identityFile, '-o', `UserKnownHostsFile=${server.knownHostsFile}`,
    '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', `${server.user}@${server.host}`,
  ]
}

async function measure(ctx: BenchContext): Promise<FigureRow[]> {
  const reason = sshdUnavailableReason()
  if (reason !== undefined) return [unavailable(ID, TITLE, reason)]

  const runs = ctx.mode === 'full' ? 20 : ctx.mode === 'quick' ? 5 : 2
  let server: SshTestServer
  try {
    server = await startSshServer()
  } catch (err) {
    return [unavailable(ID, TITLE, `sshd did not start: ${(err as Error).message}`)]
  }
  const env = await startBenchEnv({ longPollSeconds: 0 })
  try {
    const runner = env.coordinator.createRunner({ tags: ['bench-ssh'], runUntagged: false })
    const provider = createSshExecutorProvider()
    const ssh = { host: server.host, port: server.port, user: server.user, identity_file: server.identityFile, known_hosts_file: server.knownHostsFile }

    const job = async (): Promise<{ ms: number; payload: JobPayloadInput }> => {
      const payload = { ...basePayload(), ...(await takeJob(env, runner.token)) }
      const started = performance.now()
      const out = await runEngineJob({ payload, provider, runner: { executor: 'ssh', ssh } })
      const ms = performance.now() - started
      if (out.result.state !== 'success') throw new BenchError(`the ssh job failed: ${out.text.split('\n').slice(-4).join(' | ')}`)

      return { ms, payload }
    }
    const baseline = async (payload: JobPayloadInput, index: number): Promise<number> => {
      const dir = `bench-clone-${index}`
      const git = payload.git_info
      const hello = await timeCommand('ssh', [...sshArgs(server), 'true'])
      const clone = await timeCommand('ssh', [...sshArgs(server), `git clone -q --depth ${git?.depth ?? 1} '${git?.repo_url ?? ''}' ${dir}`])
      await rm(`${server.home}/${dir}`, { recursive: true, force: true })

      return hello.ms + clone.ms
    }

    // Untimed warm-up of both sides.
    const warm = await job()
    await baseline(warm.payload, -1)

    const ours: number[] = []
    const theirs: number[] = []
    for (let run = 0; run < runs; run++) {
      const measured = await job()
      ours.push(measured.ms)
      theirs.push(await baseline(measured.payload, run))
    }

    return [
      measuredRow({
        id: ID,
        title: 'per-job time of a `true` job, ssh executor to 127.0.0.1 (engine, connect → cleanup)',
        unit: 'ms',
        glrunner: ours,
        baseline: { name: 'ssh host true + ssh host git clone over HTTP from the coordinator', values: theirs },
        notes: [
          `GIT_STRATEGY=clone; ${runs} alternating pairs; OpenSSH sshd on 127.0.0.1, key auth on both sides`,
          'glrunner: one connection per job, one exec channel per stage (prepare, get_sources, script, cleanup); the engine runs in-process, no job polling',
        ],
      }),
    ]
  } finally {
    await env.close()
    await server.stop()
  }
}

export const sshOverheadFigure: Figure = { id: 'ssh', title: TITLE, run: measure }
