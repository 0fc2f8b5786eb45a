import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  applyDotenv,
  artifactProducers,
  createPipelineRun,
  expandText,
  hasWarnings,
  jobRuntimeVariables,
  jobState,
  nextRunnable,
  parseDotenv,
  pipelineStatus,
  recordResult,
  type PipelineRun,
  type RunOptions,
} from '../../src/pipeline/index.js'
import { compileYaml, expectPlan } from './helpers/repo.js'

type Outcome = { status: 'success' | 'failed'; exitCode?: number; dotenv?: string }

/** Drives a run to the end: each wave of runnable jobs gets the outcome from `outcomes` (default success). */
function drive(run: PipelineRun, outcomes: Record<string, Outcome> = {}): string[][] {
  const waves: string[][] = []
  for (let wave = nextRunnable(run); wave.length > 0; wave = nextRunnable(run)) {
    waves.push(wave.map((job) => job.name))
    for (const job of wave) {
      const outcome = outcomes[job.name] ?? { status: 'success' }
      if (outcome.dotenv !== undefined) {
        const parsed = parseDotenv(outcome.dotenv)
        if (parsed.ok) applyDotenv(run, job.name, parsed.variables)
      }
      while (recordResult(run, job.name, outcome).retry) waves.push([`${job.name} (retry)`])
    }
  }

  return waves
}

async function runOf(t: Parameters<typeof compileYaml>[0], yaml: string, options: RunOptions = {}): Promise<PipelineRun> {
  return createPipelineRun(expectPlan(await compileYaml(t, yaml)), options)
}

const statuses = (run: PipelineRun): Record<string, string> => Object.fromEntries([...run.jobs].map(([name, s]) => [name, s.status]))

test('case 62: needs: [] starts at once and a DAG job does not wait for its stage', async (t) => {
  const run = await runOf(t, `stages: [build, test, deploy]
compile: {stage: build, script: echo}
lint:    {stage: build, script: sleep 5}
unit:    {stage: test, needs: [compile], script: echo}
ship:    {stage: deploy, script: echo}
early:   {stage: deploy, needs: [], script: echo}
`)
  assert.deepEqual(nextRunnable(run).map((j) => j.name), ['compile', 'lint', 'early'])
  recordResult(run, 'compile', { status: 'success' })
  assert.deepEqual(nextRunnable(run).map((j) => j.name), ['unit'])
  recordResult(run, 'unit', { status: 'success' })
  recordResult(run, 'early', { status: 'success' })
  assert.deepEqual(nextRunnable(run).map((j) => j.name), [], 'ship waits for lint')
  recordResult(run, 'lint', { status: 'success' })
  assert.deepEqual(nextRunnable(run).map((j) => j.name), ['ship'])
  recordResult(run, 'ship', { status: 'success' })
  assert.equal(pipelineStatus(run), 'success')
})

test('case 63: a manual job from rules blocks later stages', async (t) => {
  const run = await runOf(t, 'stages: [build, deploy]\napprove:\n  stage: build\n  rules: [{when: manual}]\n  script: echo\ngo: {stage: deploy, script: echo}\n')
  drive(run)
  assert.deepEqual(statuses(run), { approve: 'manual', go: 'created' })
  assert.equal(pipelineStatus(run), 'blocked')
})

test('case 64: a non-blocking manual job lets stages go on, and a job needing it never runs', async (t) => {
  const yaml = 'stages: [build, test, deploy]\napprove: {stage: build, when: manual, script: echo}\nt:       {stage: test, script: echo}\nd:       {stage: deploy, needs: [approve], script: echo}\n'
  const run = await runOf(t, yaml)
  drive(run)
  assert.deepEqual(statuses(run), { approve: 'manual', t: 'success', d: 'created' })
  assert.equal(pipelineStatus(run), 'success')
  const played = await runOf(t, yaml, { manualJobs: ['approve'] })
  drive(played)
  assert.deepEqual(statuses(played), { approve: 'success', t: 'success', d: 'success' })
})

test('case 69: failure propagation with on_failure and always', async (t) => {
  const run = await runOf(t, `stages: [build, test, cleanup]
build:   {stage: build, script: exit 1}
unit:    {stage: test, script: echo}
report:  {stage: cleanup, when: on_failure, script: echo}
tidy:    {stage: cleanup, when: always, script: echo}
`)
  drive(run, { build: { status: 'failed', exitCode: 1 } })
  assert.deepEqual(statuses(run), { build: 'failed', unit: 'skipped', report: 'success', tidy: 'success' })
  assert.equal(pipelineStatus(run), 'failed')
})

test('case 70: allow_failure exit_codes decides per exit code', async (t) => {
  const yaml = 'stages: [a, b]\nflaky:\n  stage: a\n  script: exit 3\n  allow_failure: {exit_codes: [3]}\nhard:\n  stage: a\n  script: exit 4\n  allow_failure: {exit_codes: [3]}\nnext: {stage: b, script: echo}\n'
  const run = await runOf(t, yaml)
  drive(run, { flaky: { status: 'failed', exitCode: 3 }, hard: { status: 'failed', exitCode: 4 } })
  assert.deepEqual(statuses(run), { flaky: 'failed', hard: 'failed', next: 'skipped' })
  assert.equal(jobState(run, 'flaky').allowedFailure, true)
  assert.equal(pipelineStatus(run), 'failed')
  const soft = await runOf(t, yaml.replace(/hard:[\s\S]*?(?=next:)/, ''))
  drive(soft, { flaky: { status: 'failed', exitCode: 3 } })
  assert.equal(jobState(soft, 'next').status, 'success')
  assert.equal(pipelineStatus(soft), 'success')
  assert.equal(hasWarnings(soft), true)
})

test('case 55 run: a failing job allowed by its rule leaves the pipeline successful with warnings', async (t) => {
  const run = await runOf(t, 'stages: [build, test]\nb1: {stage: build, script: echo}\nb2: {stage: build, script: echo}\nt:\n  needs: [b1, b2]\n  rules:\n    - if: $CI_COMMIT_BRANCH == "main"\n      needs: [b2]\n      allow_failure: true\n  script: exit 1\n')
  drive(run, { t: { status: 'failed', exitCode: 1 } })
  assert.equal(pipelineStatus(run), 'success')
  assert.equal(hasWarnings(run), true)
})

test('C-19 exit codes decide allow_failure and later stages do not run', async (t) => {
  const run = await runOf(t, `soft-137:
  allow_failure:
    exit_codes: [137, 42]
  rules:
    - when: always
  script: [exit 42]
hard-1:
  allow_failure:
    exit_codes: 137
  script: [exit 1]
rule-says-no:
  allow_failure: true
  rules:
    - if: $CI_PIPELINE_SOURCE
      allow_failure: false
  script: [exit 5]
after:
  stage: deploy
  script: [echo reached]
`)
  drive(run, { 'soft-137': { status: 'failed', exitCode: 42 }, 'hard-1': { status: 'failed', exitCode: 1 }, 'rule-says-no': { status: 'failed', exitCode: 5 } })
  assert.equal(jobState(run, 'soft-137').allowedFailure, true)
  assert.equal(jobState(run, 'soft-137').exitCode, 42)
  assert.equal(jobState(run, 'hard-1').allowedFailure, false)
  assert.equal(jobState(run, 'rule-says-no').allowedFailure, false)
  assert.equal(jobState(run, 'after').status, 'skipped')
  assert.equal(pipelineStatus(run), 'failed')
})

test('C-23 run: optional need dropped, failed job gives no artifacts, always job runs, pipeline failed', async (t) => {
  const run = await runOf(t, `stages: [build, test, final]
never-built:
  stage: build
  rules: [{when: never}]
  script: [echo > skipped.txt]
build:
  stage: build
  script: [echo built-ok > out.txt]
  artifacts: {paths: [out.txt]}
broken:
  stage: test
  script: [exit 1]
  artifacts: {paths: [never-created.txt]}
use:
  stage: test
  needs:
    - job: build
    - job: never-built
      optional: true
  script: [cat out.txt]
cleanup:
  stage: final
  when: always
  script: [ls; echo cleaned]
`)
  const waves = drive(run, { broken: { status: 'failed', exitCode: 1 } })
  assert.deepEqual(waves[0], ['build'])
  assert.deepEqual(waves[1], ['broken', 'use'])
  assert.deepEqual(statuses(run), { build: 'success', broken: 'failed', use: 'success', cleanup: 'success' })
  assert.deepEqual(artifactProducers(run, 'cleanup'), ['build'])
  assert.deepEqual(artifactProducers(run, 'use'), ['build'])
  assert.equal(pipelineStatus(run), 'failed')
})

test('C-07 dotenv variables feed a downstream job variables and outrank YAML variables', async (t) => {
  const run = await runOf(t, `stages: [prep, use]
prep:
  stage: prep
  script: [echo "APP_TAG=v7" > out.env]
  artifacts:
    reports: {dotenv: out.env}
use-ref:
  stage: use
  variables:
    IMAGE_REF: "registry.example/app:\${APP_TAG}"
  script: [echo "ref=$IMAGE_REF"]
use-override:
  stage: use
  variables:
    APP_TAG: yaml-default
  script: [echo "tag=$APP_TAG"]
`)
  drive(run, { prep: { status: 'success', dotenv: 'APP_TAG=v7\n' } })
  assert.equal(jobRuntimeVariables(run, 'use-ref').IMAGE_REF, 'registry.example/app:v7')
  assert.equal(jobRuntimeVariables(run, 'use-override').APP_TAG, 'v7')
})

test('C-08 dotenv variable used in image name, short and long form', async (t) => {
  const run = await runOf(t, `stages: [build, deploy]
pick-image:
  stage: build
  script: [echo "RUN_IMAGE=alpine:3.20" > img.env]
  artifacts:
    reports: {dotenv: img.env}
use-short:
  stage: deploy
  needs: [pick-image]
  image: \${RUN_IMAGE}
  script: [cat /etc/alpine-release]
use-long:
  stage: deploy
  needs: [pick-image]
  image:
    name: \${RUN_IMAGE}
    entrypoint: [""]
  script: [cat /etc/alpine-release]
`)
  drive(run, { 'pick-image': { status: 'success', dotenv: 'RUN_IMAGE=alpine:3.20\n' } })
  for (const name of ['use-short', 'use-long']) {
    const values = jobRuntimeVariables(run, name)
    assert.equal(expandText(jobState(run, name).job.image?.name ?? '', (key) => values[key]), 'alpine:3.20', name)
  }
})

test('case 76-77: dotenv values are trimmed, and only reach jobs that take the producer artifacts', async (t) => {
  const run = await runOf(t, `stages: [build, deploy]
build:
  stage: build
  script: echo
  artifacts: {reports: {dotenv: a.env}}
d1: {stage: deploy, needs: [{job: build, artifacts: false}], script: echo}
d2: {stage: deploy, dependencies: [], script: echo}
d3: {stage: deploy, variables: {X: "0"}, script: echo}
`)
  drive(run, { build: { status: 'success', dotenv: 'X=1\n  SPACED  =  v  \n' } })
  assert.equal(jobRuntimeVariables(run, 'd1').X, undefined)
  assert.equal(jobRuntimeVariables(run, 'd2').X, undefined)
  assert.equal(jobRuntimeVariables(run, 'd3').X, '1')
  assert.equal(jobRuntimeVariables(run, 'd3').SPACED, 'v')
})

test('case 78-79: dotenv parsing rejects empty lines and keeps quotes', () => {
  assert.deepEqual(parseDotenv('A=1\n\nB=2\n'), { ok: false, error: 'Invalid Format' })
  assert.deepEqual(parseDotenv('Q="hello"\n'), { ok: true, variables: [{ key: 'Q', value: '"hello"', raw: false }] })
  assert.deepEqual(parseDotenv('export A=1\n'), { ok: false, error: 'Invalid Key: export A' })
  assert.deepEqual(parseDotenv('x'.repeat(5121)), { ok: false, error: 'Dotenv Artifact Too Big. Maximum Allowable Size: 5120' })
  const many = Array.from({ length: 21 }, (_, i) => `K${i}=v`).join('\n')
  assert.deepEqual(parseDotenv(many), { ok: false, error: 'Dotenv files cannot have more than 20 variables' })
})

test('retry runs a failed job again up to max when the reason matches', async (t) => {
  const run = await runOf(t, 'job: {script: exit 1, retry: {max: 2, when: [script_failure]}}\nother: {script: exit 1, retry: {max: 2, when: [runner_system_failure]}}\n')
  const waves = drive(run, { job: { status: 'failed', exitCode: 1 }, other: { status: 'failed', exitCode: 1 } })
  assert.deepEqual(waves.flat().filter((name) => name.endsWith('(retry)')), ['job (retry)', 'job (retry)'])
  assert.equal(jobState(run, 'job').attempts, 3)
  assert.equal(jobState(run, 'other').attempts, 1)
})
