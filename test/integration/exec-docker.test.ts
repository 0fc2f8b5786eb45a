/**
 * `glrunner exec --executor docker` through the real CLI: jobs in locally built images
 * (no registry), sources cloned from the embedded coordinator, artifacts between jobs, a
 * service by its alias, and nothing left on the engine afterwards.
 */
import assert from 'node:assert/strict'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { EXEC_REPOSITORY_LABEL } from '../../src/local/local-docker.js'
import { BUSYBOX_IMAGE, BUSYBOX_WEB_IMAGE, dockerTestSkipReason, objectsWithLabel, removeWithLabel } from '../helpers/docker-images.js'
import { repoWith as makeRepo, runGlrunner as glrunner } from '../helpers/glrunner-cli.js'

const repoWith = (files: Record<string, string>) => makeRepo(files, 'glr-exec-docker-')
const skip = dockerTestSkipReason()


/** Asserts the run left no container, network or volume labelled with its repository. */
function assertNothingLeft(repo: string): void {
  const label = `${EXEC_REPOSITORY_LABEL}=${repo}`
  const left = objectsWithLabel(label)
  removeWithLabel(label)
  assert.deepEqual(left, { containers: [], networks: [], volumes: [] }, 'the run left Docker objects behind')
}

const PIPELINE = `
stages: [build, test]
build:
  stage: build
  script:
    - echo "built from $(cat input.txt) in $(pwd)" > out.txt
    - command -v git || echo no-git-in-image
  artifacts:
    paths: [out.txt]
test:
  stage: test
  image: ${BUSYBOX_IMAGE}
  services:
    - name: ${BUSYBOX_WEB_IMAGE}
      alias: web
      command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
  script:
    - cat out.txt
    - wget -qO- http://web/passwd | head -1
`

test('exec --executor docker runs each job in its image, clones from the coordinator, passes artifacts and reaches a service', { skip }, async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': PIPELINE, 'input.txt': 'committed\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))
  await writeFile(join(repo, 'input.txt'), 'uncommitted\n')

  const summaryPath = join(repo, 'summary.json')
  try {
    const result = await glrunner(['exec', '--executor', 'docker', '--docker-image', BUSYBOX_IMAGE, '--summary-json', summaryPath], repo)
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.match(result.stdout, /^build\s+\| Using Docker executor with image glrunner-test\/busybox:1 \.\.\.$/m)
    assert.match(result.stdout, /^build\s+\| no-git-in-image$/m, 'the job ran in busybox, not on the host')
    assert.match(result.stdout, /^test\s+\| built from uncommitted in \/builds\/\S+$/m)
    assert.match(result.stdout, /^test\s+\| root:x:0:0:root:\/root:\/bin\/sh$/m)
    const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as { status: string; jobs: Array<{ name: string; status: string }> }
    assert.deepEqual(summary.jobs.map((job) => [job.name, job.status]), [['build', 'success'], ['test', 'success']])
  } finally {
    assertNothingLeft(repo)
  }
})

test('exec --executor docker stops before running anything when an image is missing, naming it and how to get it', { skip }, async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': 'job:\n  image: glrunner-test/not-built:0\n  script: [echo never]\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))
  try {
    const result = await glrunner(['exec', '--executor', 'docker'], repo)
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, /Docker image not found on this machine: glrunner-test\/not-built:0 \(used by job\)/)
    assert.match(result.stderr, /docker build -t glrunner-test\/not-built:0 \.\) or pull it \(docker pull glrunner-test\/not-built:0\)/)
    assert.doesNotMatch(result.stdout, /never/)
  } finally {
    assertNothingLeft(repo)
  }
})

test('exec --executor docker asks for --docker-image when a job has no image', { skip }, async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': 'job:\n  script: [echo never]\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))
  const result = await glrunner(['exec', '--executor', 'docker'], repo)
  assert.notEqual(result.code, 0)
  assert.match(result.stderr, /no Docker image for "job"/)
  assert.match(result.stderr, /--docker-image IMAGE/)
})
