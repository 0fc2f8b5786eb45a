/**
 * The docker executor end to end: the coordinator hands a job to the runner manager, which
 * runs it in a busybox container; get_sources clones from the coordinator's git over HTTP.
 * `network_mode = "host"` lets the containers reach the coordinator on 127.0.0.1 (and
 * nothing but this machine's loopback is contacted).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startCoordinator, type Coordinator } from '../../src/coordinator/index.js'
import { runBuild } from '../../src/engine/build.js'
import { makeGitProject } from '../helpers/git-project.js'
import { BUSYBOX_IMAGE, dockerTestSkipReason, objectsWithLabel, removeWithLabel } from '../helpers/docker-images.js'
import { startManager, type Harness } from '../helpers/manager-harness.js'

const skip = dockerTestSkipReason()

describe('docker executor through the coordinator and the runner manager', { skip }, () => {
  let coordinator: Coordinator
  let project: { dir: string; remove: () => Promise<void> }
  let harness: Harness | undefined

  before(async () => {
    coordinator = await startCoordinator({ traceUpdateIntervalSeconds: 1 })
    project = await makeGitProject()
    coordinator.addProject({ path: 'acme/docker-e2e', repoDir: project.dir })
  })
  after(async () => {
    await harness?.stop()
    await coordinator.close()
    await project.remove()
  })

  it('runs a job in a busybox image with sources cloned from the coordinator and leaves nothing behind', async () => {
    const runner = coordinator.createRunner()
    const job = coordinator.enqueueJob({
      project: 'acme/docker-e2e',
      image: BUSYBOX_IMAGE,
      script: ['ls -a', 'test -d .git && echo has-git-dir', 'echo "in $CI_PROJECT_DIR"'],
      variables: [{ key: 'GIT_STRATEGY', value: 'clone' }],
    })
    harness = startManager({
      url: coordinator.url,
      runBuild,
      runners: [{
        token: runner.token,
        executor: 'docker',
        docker: { pull_policy: ['if-not-present'], network_mode: 'host', container_labels: { 'glrunner.test': '1' } },
      }],
    })
    const label = `com.gitlab.gitlab-runner.job.id=${job.id}`
    try {
      const record = await coordinator.waitForJob(job.id, { timeoutMs: 60_000 })
      // Without the FF_TIMESTAMPS prefixes (`<time> 01O `).
      const trace = record.trace.toString().replace(/^\S+ [0-9a-f]{2}[OE]\+? ?/gm, '')
      assert.equal(record.state, 'success', trace)
      assert.match(trace, /Using Docker executor with image glrunner-test\/busybox:1 \.\.\./)
      assert.match(trace, /Created fresh repository\./)
      assert.match(trace, /\nhas-git-dir\n/)
      assert.match(trace, /in \/builds\/acme\/docker-e2e\n/)
      assert.deepEqual(objectsWithLabel(label), { containers: [], networks: [], volumes: [] })
    } finally {
      removeWithLabel(label)
    }
  })
})
