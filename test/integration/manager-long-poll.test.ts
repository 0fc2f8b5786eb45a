import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startCoordinator } from '../../src/coordinator/index.js'
import { engineDouble } from '../helpers/engine-double.js'
import { makeGitProject } from '../helpers/git-project.js'
import { startManager } from '../helpers/manager-harness.js'

test('a job enqueued during a held long poll is picked up at once, not at the next check_interval', async (t) => {
  const coordinator = await startCoordinator({ longPollSeconds: 30 })
  const project = await makeGitProject({ 'README.md': 'hi\n' })
  coordinator.addProject({ path: 'acme/app', repoDir: project.dir })
  const runner = coordinator.createRunner()
  // A 4 s check interval: only the wake-up can explain a pickup within a second and a half.
  const harness = startManager({ url: coordinator.url, runBuild: engineDouble().runBuild, runners: [{ token: runner.token }], checkIntervalMs: 4_000 })
  t.after(async () => {
    await harness.stop()
    await coordinator.close()
    await project.remove()
  })

  // The first request (no last_update) is answered at once; the second, a tick later, is held.
  const deadline = Date.now() + 8_000
  while (coordinator.inFlight('request').now === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  assert.equal(coordinator.inFlight('request').now, 1, 'a job request is held')

  const enqueuedAt = Date.now()
  const job = coordinator.enqueueJob({ project: 'acme/app', script: ['true'] })
  await coordinator.waitForJob(job.id, { states: ['running', 'success', 'failed'], timeoutMs: 5_000 })

  assert.ok(Date.now() - enqueuedAt < 1_500, `picked up after ${Date.now() - enqueuedAt} ms`)
})
