import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { compilePipeline } from '../../src/pipeline/index.js'
import { commitAll, expectErrors, expectPlan, makeRepo } from './helpers/repo.js'

/** A file outside any repository that would add a job if it were included. */
function outsideFile(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'glr-outside-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'outside.yml')
  writeFileSync(path, 'outside-job: {script: echo leaked}\n')

  return path
}

const names = (result: Awaited<ReturnType<typeof compilePipeline>>): string[] => expectPlan(result).jobs.map((j) => j.name)
const OUTSIDE = 'Local file `link.yml` does not exist! It resolves to a path outside the repository.'

test('include:local of a tracked symlink pointing outside the repository is refused', async (t) => {
  const dir = makeRepo(t, { '.gitlab-ci.yml': 'include: {local: link.yml}\njob: {script: echo}\n' })
  symlinkSync(outsideFile(t), join(dir, 'link.yml'))
  commitAll(dir, 'add link')
  assert.deepEqual(expectErrors(await compilePipeline({ projectDir: dir })), [OUTSIDE])
})

test('include:local of an untracked symlink pointing outside the repository is refused, also through a glob', async (t) => {
  const dir = makeRepo(t, { '.gitlab-ci.yml': 'include: {local: link.yml}\njob: {script: echo}\n' })
  symlinkSync(outsideFile(t), join(dir, 'link.yml'))
  assert.deepEqual(expectErrors(await compilePipeline({ projectDir: dir })), [OUTSIDE])
  writeFileSync(join(dir, '.gitlab-ci.yml'), "include: {local: '*.yml'}\njob: {script: echo}\n")
  assert.deepEqual(expectErrors(await compilePipeline({ projectDir: dir })), [OUTSIDE])
})

test('include:local of a path that climbs out of the repository is refused the same way', async (t) => {
  const outside = outsideFile(t)
  const dir = makeRepo(t, { '.gitlab-ci.yml': `include: {local: '../${join('..', outside)}'}\njob: {script: echo}\n` })
  const [message] = expectErrors(await compilePipeline({ projectDir: dir }))
  assert.match(message ?? '', /^Local file `\.\.\/.*outside\.yml` does not exist! It resolves to a path outside the repository\.$/)
})

test('include:local of a symlink pointing inside the repository keeps working', async (t) => {
  const dir = makeRepo(t, { '.gitlab-ci.yml': 'include: {local: link.yml}\njob: {script: echo}\n', 'ci/real.yml': 'real-job: {script: echo real}\n' })
  symlinkSync('ci/real.yml', join(dir, 'link.yml'))
  assert.deepEqual(names(await compilePipeline({ projectDir: dir })), ['real-job', 'job'])
})

test('a CI file outside the project directory is refused, by relative or absolute path', async (t) => {
  const outside = outsideFile(t)
  const dir = makeRepo(t, { '.gitlab-ci.yml': 'job: {script: echo}\n' })
  const relative = await compilePipeline({ projectDir: dir, ciFile: '../outside.yml' })
  assert.equal(relative.ok, false)
  assert.deepEqual(relative.ok ? [] : relative.errors, [
    { file: '../outside.yml', message: `The CI configuration file \`../outside.yml\` is outside the project directory ${dir}; it must be a file of the repository` },
  ])
  assert.deepEqual(expectErrors(await compilePipeline({ projectDir: dir, ciFile: outside })), [
    `The CI configuration file \`${outside}\` is outside the project directory ${dir}; it must be a file of the repository`,
  ])
})

test('a CI file that is a symlink to a file outside the project directory is refused', async (t) => {
  const outside = outsideFile(t)
  const dir = makeRepo(t, { 'README.md': 'x\n' })
  symlinkSync(outside, join(dir, '.gitlab-ci.yml'))
  const [message] = expectErrors(await compilePipeline({ projectDir: dir }))
  assert.equal(
    message,
    `The CI configuration file \`.gitlab-ci.yml\` is a link to a file outside the project directory ${dir} (${outside}); it must be a file of the repository`,
  )
})

test('a CI file given by an absolute path inside the project directory is read and reported relative', async (t) => {
  const dir = makeRepo(t, { 'ci/main.yml': 'job: {script: echo $CI_CONFIG_PATH}\n' })
  const result = await compilePipeline({ projectDir: dir, ciFile: join(dir, 'ci', 'main.yml') })
  assert.deepEqual(names(result), ['job'])
  const plan = expectPlan(result)
  assert.equal(plan.predefinedVariables.find((variable) => variable.key === 'CI_CONFIG_PATH')?.value, 'ci/main.yml')
})

test('a CI file that is a symlink inside the project directory is read', async (t) => {
  const dir = makeRepo(t, { 'ci/main.yml': 'job: {script: echo}\n' })
  symlinkSync('ci/main.yml', join(dir, '.gitlab-ci.yml'))
  assert.deepEqual(names(await compilePipeline({ projectDir: dir })), ['job'])
})
