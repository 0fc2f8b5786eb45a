/**
 * exec lists, previews and refuses: --list-json, --preview, --include-map, invalid files, unknown
 * jobs, unwritable paths. Split by concern so each file stays far from the per-file timeout.
 */
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { EXEC_PIPELINE } from '../helpers/exec-pipeline.js'
import { repoWith, runGlrunner as glrunner } from '../helpers/glrunner-cli.js'

test('exec --list-json prints the jobs with stage, when, allow_failure and needs', async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': EXEC_PIPELINE, 'input.txt': 'x\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const result = await glrunner(['exec', '--list-json'], repo)

  assert.equal(result.code, 0, result.stderr)
  assert.deepEqual(JSON.parse(result.stdout), [
    { name: 'build', stage: 'build', when: 'on_success', allow_failure: false, needs: null },
    { name: 'test', stage: 'test', when: 'on_success', allow_failure: false, needs: null },
    { name: 'flaky', stage: 'test', when: 'on_success', allow_failure: true, needs: [] },
  ])
})

test('exec stops before running anything when the CI file is invalid, naming the file and key', async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': 'build:\n  stage: build\n  scrip: [echo hi]\n', 'input.txt': 'x\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const result = await glrunner(['exec'], repo)

  assert.equal(result.code, 1)
  assert.match(result.stderr, /^ERROR: \.gitlab-ci\.yml is invalid:/m)
  assert.match(result.stderr, /\.gitlab-ci\.yml.*build/)
  assert.doesNotMatch(result.stdout, /Running with glrunner/)
})

test('exec names the known jobs when asked for one that does not exist', async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': EXEC_PIPELINE, 'input.txt': 'x\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const result = await glrunner(['exec', 'deploy'], repo)

  assert.equal(result.code, 1)
  assert.match(result.stderr, /ERROR: job "deploy" is not in the pipeline/)
  assert.match(result.stderr, /Hint: Jobs in this pipeline: build, test, flaky/)
})

test('exec refuses a --summary-json path it could not write before running anything', async (t) => {
  const repo = await repoWith({ '.gitlab-ci.yml': EXEC_PIPELINE, 'input.txt': 'x\n' })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const result = await glrunner(['exec', '--summary-json', '/nonexistent-dir/s.json'], repo)

  assert.equal(result.code, 1)
  assert.match(result.stderr, /ERROR: --summary-json \/nonexistent-dir\/s\.json: cannot write in \/nonexistent-dir/)
  assert.doesNotMatch(result.stdout, /Running with glrunner/)
})

test('exec --preview prints the pipeline as GitLab-style YAML with extends and default applied', async (t) => {
  const repo = await repoWith({
    '.gitlab-ci.yml': `
default:
  before_script: [echo setup]
.base:
  stage: test
  variables: { MODE: fast }
  retry: 2
unit:
  extends: .base
  script: [make test]
  needs: []
`,
  })
  t.after(() => rm(repo, { recursive: true, force: true }))

  const result = await glrunner(['exec', '--preview'], repo)

  assert.equal(result.code, 0, result.stderr)
  const { parse } = await import('yaml')
  assert.deepEqual(parse(result.stdout), {
    stages: ['test'],
    unit: { stage: 'test', variables: { MODE: 'fast' }, before_script: ['echo setup'], script: ['make test'], needs: [], retry: 2 },
  })
})

test('exec --include-map reads remote and project includes from local files, and without it names the flag to use', async (t) => {
  const shared = await mkdtemp(join(tmpdir(), 'glrunner-shared-ci-'))
  const repo = await repoWith({
    '.gitlab-ci.yml': [
      'include:',
      '  - remote: https://ci.example.com/templates/lint.yml',
      '  - project: platform/ci-templates',
      '    file: /jobs/test.yml',
      '',
    ].join('\n'),
    'mirror/lint.yml': 'lint:\n  script: [echo lint from the mapped remote]\n',
  })
  t.after(() => Promise.all([rm(repo, { recursive: true, force: true }), rm(shared, { recursive: true, force: true })]))
  await mkdir(join(shared, 'jobs'))
  await writeFile(join(shared, 'jobs', 'test.yml'), 'unit:\n  script: [echo unit from the mapped project]\n')

  const unmapped = await glrunner(['exec', '--list'], repo)
  assert.equal(unmapped.code, 1)
  assert.match(unmapped.stderr, /Included remote file `https:\/\/ci\.example\.com\/templates\/lint\.yml` is not available offline; map it to a local file \(glrunner exec --include-map 'https:\/\/ci\.example\.com\/templates\/lint\.yml=<path>'\)/)

  const result = await glrunner([
    'exec',
    '--include-map', 'https://ci.example.com/templates/lint.yml=mirror/lint.yml',
    '--include-map', `platform/ci-templates=${shared}`,
  ], repo)

  assert.equal(result.code, 0, result.stdout + result.stderr)
  assert.match(result.stdout, /^lint\s+\| lint from the mapped remote$/m)
  assert.match(result.stdout, /^unit\s+\| unit from the mapped project$/m)

  const malformed = await glrunner(['exec', '--list', '--include-map', 'no-equals-sign'], repo)
  assert.equal(malformed.code, 1)
  assert.match(malformed.stderr, /--include-map "no-equals-sign" is not LOCATION=PATH/)
})
