/**
 * A coordinator on 127.0.0.1 with one project (a small git repository) and a runner
 * record, in a temp folder that close() removes. Each figure starts its own.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { startCoordinator, type Coordinator, type JobRecord, type JobSpec } from '../../src/coordinator/index.js'
import { BenchError } from './bench-error.js'

export const PROJECT_PATH = 'bench/app'

export interface BenchEnvOptions {
  longPollSeconds?: number
  traceUpdateIntervalSeconds?: number
  /** Files of the project's one commit; a README by default. */
  files?: Record<string, string>
}

export interface BenchEnv {
  coordinator: Coordinator
  workDir: string
  repoDir: string
  buildsDir: string
  runner: { id: number; token: string }
  close: () => Promise<void>
}

/** A git repository with one commit of `files`. */
export async function makeRepository(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true })
  const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' }
  const git = (...args: string[]): void => void execFileSync('git', args, { cwd: dir, stdio: 'pipe', env })
  git('init', '-q', '-b', 'main')
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true })
    await writeFile(join(dir, name), content)
  }
  git('add', '.')
  git('commit', '-q', '-m', 'bench')
}

export async function startBenchEnv(o: BenchEnvOptions = {}): Promise<BenchEnv> {
  const workDir = await mkdtemp(join(tmpdir(), 'glrunner-bench-'))
  const repoDir = join(workDir, 'repo')
  const buildsDir = join(workDir, 'builds')
  await mkdir(buildsDir)
  await makeRepository(repoDir, o.files ?? { 'README.md': 'bench project\n' })
  const coordinator = await startCoordinator({
    dataDir: join(workDir, 'coordinator'),
    longPollSeconds: o.longPollSeconds ?? 0,
    traceUpdateIntervalSeconds: o.traceUpdateIntervalSeconds ?? 3,
  })
  coordinator.addProject({ path: PROJECT_PATH, repoDir })
  const runner = coordinator.createRunner({ description: 'bench' })

  return {
    coordinator,
    workDir,
    repoDir,
    buildsDir,
    runner,
    close: async () => {
      await coordinator.close()
      await rm(workDir, { recursive: true, force: true })
    },
  }
}

/** Enqueues a job of the bench project and waits until it is final; throws unless it succeeded. */
export async function runJob(env: BenchEnv, spec: Omit<JobSpec, 'project'>, timeoutMs = 120_000): Promise<JobRecord> {
  const job = env.coordinator.enqueueJob({ project: PROJECT_PATH, ...spec })

  return expectSuccess(await env.coordinator.waitForJob(job.id, { timeoutMs }))
}

export function expectSuccess(record: JobRecord): JobRecord {
  if (record.state !== 'success') {
    const tail = record.trace.subarray(-2000).toString()
    throw new BenchError(`job ${record.id} ended ${record.state}, expected success; trace ends with:\n${tail}`)
  }

  return record
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * A clone URL with a live job token, for baselines that fetch from the coordinator as a
 * job would: a tagged job only a second runner can take is picked over plain HTTP, so it
 * stays running (job tokens of finished jobs no longer open the repository).
 */
export async function holdRunningJob(env: BenchEnv): Promise<{ repoUrl: string; depth: number }> {
  const holder = env.coordinator.createRunner({ tags: ['bench-holder'], runUntagged: false })
  env.coordinator.enqueueJob({ project: PROJECT_PATH, script: ['true'], tags: ['bench-holder'] })
  const response = await fetch(`${env.coordinator.url}/api/v4/jobs/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: holder.token, info: { features: {} } }),
  })
  if (response.status !== 201) throw new BenchError(`picking the holder job answered ${response.status}, expected 201`)
  const payload = (await response.json()) as { git_info: { repo_url: string; depth: number } }

  return { repoUrl: payload.git_info.repo_url, depth: payload.git_info.depth }
}
