/**
 * Whole jobs for the cache and artifact tests: the coordinator on 127.0.0.1, a runner
 * manager with the real engine and the shell executor, temp builds and cache dirs, and
 * a `run` that enqueues one job and waits for its final state.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCoordinator, type Coordinator, type CoordinatorOptions, type JobRecord, type JobSpec } from '../../src/coordinator/index.js'
import type { RunnerConfig } from '../../src/config/runner-config.js'
import { shortToken } from '../../src/core/tokens.js'
import { runBuild } from '../../src/engine/build.js'
import { stripAnsi } from '../conformance/run-job.js'
import { makeGitProject } from '../helpers/git-project.js'
import { startManager, type Harness } from '../helpers/manager-harness.js'

export const PROJECT_PATH = 'acme/widgets'

export interface FinishedJob {
  record: JobRecord
  /** The stored trace without colours and section markers. */
  text: string
}

export interface World {
  coordinator: Coordinator
  /** Absolute, owned by the world; removed by close(). */
  buildsDir: string
  /** The runner's cache_dir; archives live in `<cacheDir>/acme/widgets/<key>/cache.zip`. */
  cacheDir: string
  /** A scratch dir for the test's own files (seeds, markers, "outside" targets). */
  scratchDir: string
  /** The project dir the shell executor uses for every job of this world. */
  projectDir: string
  run(spec: Omit<JobSpec, 'project'>): Promise<FinishedJob>
  enqueue(spec: Omit<JobSpec, 'project'>): { id: number; token: string }
  finish(id: number): Promise<FinishedJob>
  close(): Promise<void>
}

/** `runner` adds to the runner's config entry (e.g. a `[runners.cache]` table). */
export async function startWorld(options: CoordinatorOptions = {}, runner: Partial<RunnerConfig> = {}): Promise<World> {
  const coordinator = await startCoordinator({ traceUpdateIntervalSeconds: 1, ...options })
  const project = await makeGitProject({ 'README.md': 'hello\n', '.gitignore': 'ignored.log\n' })
  coordinator.addProject({ path: PROJECT_PATH, repoDir: project.dir })
  const root = await mkdtemp(join(tmpdir(), 'glrunner-artifacts-'))
  const buildsDir = join(root, 'builds')
  const cacheDir = join(root, 'cache')
  const scratchDir = join(root, 'scratch')
  await mkdir(scratchDir)
  const registered = coordinator.createRunner()
  const harness: Harness = startManager({
    url: coordinator.url,
    runBuild,
    checkIntervalMs: 50,
    runners: [{ token: registered.token, builds_dir: buildsDir, cache_dir: cacheDir, feature_flags: { FF_TIMESTAMPS: false }, ...runner }],
  })

  const finish = async (id: number): Promise<FinishedJob> => {
    const record = await coordinator.waitForJob(id, { timeoutMs: 30_000 })

    return { record, text: stripAnsi(record.trace.toString('utf8')) }
  }
  const enqueue = (spec: Omit<JobSpec, 'project'>) => coordinator.enqueueJob({ project: PROJECT_PATH, ...spec })

  return {
    coordinator,
    buildsDir,
    cacheDir,
    scratchDir,
    // Shared builds dir layout: <builds>/<short token>/<concurrent project id>/<slug>.
    projectDir: join(buildsDir, shortToken(registered.token), '0', PROJECT_PATH),
    run: (spec) => finish(enqueue(spec).id),
    enqueue,
    finish,
    close: async () => {
      await harness.stop()
      await coordinator.close()
      await project.remove()
      await rm(root, { recursive: true, force: true })
    },
  }
}

/** A variable spec list from a plain object. */
export function vars(values: Record<string, string>): Array<{ key: string; value: string }> {
  return Object.entries(values).map(([key, value]) => ({ key, value }))
}
