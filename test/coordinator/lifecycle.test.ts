import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { CoordinatorError, startCoordinator, type JobRecord } from '../../src/coordinator/index.js'
import { makeRepo } from './support.js'

test('close removes the temp data dir it created but keeps a data dir it was given', async () => {
  const own = await startCoordinator()
  const ownDir = own.dataDir
  assert.ok(existsSync(ownDir))
  await own.close()
  assert.equal(existsSync(ownDir), false)

  const given = await mkdtemp(join(tmpdir(), 'glrunner-coord-data-'))
  try {
    const kept = await startCoordinator({ dataDir: given })
    await kept.close()
    assert.ok(existsSync(given))
  } finally {
    await rm(given, { recursive: true, force: true })
  }
})

test('the url is a loopback http URL with the port it listens on', async () => {
  const coordinator = await startCoordinator()
  try {
    assert.match(coordinator.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.notEqual(new URL(coordinator.url).port, '0')
  } finally {
    await coordinator.close()
  }
})

test('enqueueJob emits job-enqueued, and refuses unknown projects and dependencies with CoordinatorError', async () => {
  const coordinator = await startCoordinator()
  const repo = await makeRepo()
  try {
    coordinator.addProject({ path: 'team/tool', repoDir: repo.dir })
    const seen: number[] = []
    coordinator.events.on('job-enqueued', (job: JobRecord) => seen.push(job.id))
    const job = coordinator.enqueueJob({ project: 'team/tool', script: ['true'] })

    assert.deepEqual(seen, [job.id])
    assert.equal(coordinator.job(job.id)?.state, 'pending')
    assert.throws(() => coordinator.enqueueJob({ project: 'team/none' }), CoordinatorError)
    assert.throws(() => coordinator.enqueueJob({ project: 'team/tool', dependencies: [999] }), /dependency 999 is not a known job/)
    assert.throws(() => coordinator.addProject({ path: 'team/tool', repoDir: repo.dir }), /already exists/)
    assert.throws(() => coordinator.addProject({ path: 'noslash', repoDir: repo.dir }), /must look like group\/project/)
  } finally {
    await coordinator.close()
    await repo.cleanup()
  }
})

test('canceling a job no runner has picked makes it canceled at once and it is never handed out', async () => {
  const coordinator = await startCoordinator()
  const repo = await makeRepo()
  try {
    coordinator.addProject({ path: 'team/tool', repoDir: repo.dir })
    const runner = coordinator.createRunner()
    const job = coordinator.enqueueJob({ project: 'team/tool', script: ['true'] })
    coordinator.cancelJob(job.id, 'graceful')

    assert.equal(coordinator.job(job.id)?.state, 'canceled')
    const answer = await fetch(`${coordinator.url}/api/v4/jobs/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: runner.token }),
    })
    assert.equal(answer.status, 204)
  } finally {
    await coordinator.close()
    await repo.cleanup()
  }
})
