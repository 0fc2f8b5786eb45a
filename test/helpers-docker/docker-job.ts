/**
 * What the docker integration tests repeat around one job: the payload (an image and one
 * script step), the `[[runners]]` config they share, and the check that the job removed every
 * container, network and volume it created. A leftover is removed before the assertion
 * fails, so one broken test does not leave objects behind for the next.
 */
import assert from 'node:assert/strict'
import type { RunnerConfig } from '../../src/config/runner-config.js'
import type { JobPayloadInput } from '../../src/gitlab/job-payload.js'
import { basePayload, runJob, type JobRunOutput, type RunJobOptions } from '../conformance/run-job.js'
import { objectsWithLabel, removeWithLabel } from '../helpers/docker-images.js'

/** The label the docker executor puts on everything a job creates, with the job id as value. */
export const JOB_ID_LABEL = 'com.gitlab.gitlab-runner.job.id'

/** Removes what job `jobId` left labelled, then asserts there was nothing to remove. */
export function expectNoJobLeftovers(jobId: number): void {
  const label = `${JOB_ID_LABEL}=${jobId}`
  const left = objectsWithLabel(label)
  removeWithLabel(label)
  assert.deepEqual(left, { containers: [], networks: [], volumes: [] }, `job ${jobId} left objects behind`)
}

/** runJob, then expectNoJobLeftovers for the payload's id, also when the job throws. */
export async function runDockerJob(options: RunJobOptions): Promise<JobRunOutput> {
  try {
    return await runJob(options)
  } finally {
    expectNoJobLeftovers(options.payload.id)
  }
}

export interface DockerJobPayloadOptions {
  id: number
  image: string
  script: string[]
  /** Job variables added after basePayload's. */
  vars?: Record<string, string> | undefined
  /** The `public` flag of `vars` (default true). */
  varsPublic?: boolean
}

/** basePayload with its own job id, the image and one script step; `overrides` go last. */
export function dockerJobPayload(options: DockerJobPayloadOptions, overrides: Partial<JobPayloadInput> = {}): JobPayloadInput {
  const { id } = options
  const base = basePayload()
  const vars = Object.entries(options.vars ?? {}).map(([key, value]) => ({ key, value, public: options.varsPublic ?? true }))

  return {
    ...base,
    id,
    job_info: { ...base.job_info, id },
    image: { name: options.image },
    variables: [...(base.variables ?? []), ...vars],
    steps: [{ name: 'script', script: options.script, when: 'on_success' }],
    ...overrides,
  }
}

/** `[runners.docker]` keys the tests share: local images only, the test label, no wait for services. */
export const DOCKER_TEST_DEFAULTS: Readonly<Record<string, unknown>> = {
  pull_policy: ['if-not-present'], container_labels: { 'glrunner.test': '1' }, wait_for_services_timeout: -1,
}

/** A docker `[[runners]]` config: keys in `docker` override DOCKER_TEST_DEFAULTS, `runner` adds top-level keys. */
export function dockerRunner(docker: Record<string, unknown> = {}, runner: Partial<RunnerConfig> = {}): Partial<RunnerConfig> {
  return { ...runner, executor: 'docker', docker: { ...DOCKER_TEST_DEFAULTS, ...docker } }
}
