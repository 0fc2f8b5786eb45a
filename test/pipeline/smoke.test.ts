import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileYaml, layout } from './helpers/repo.js'

test('a minimal job goes to the test stage', async (t) => {
  const result = await compileYaml(t, 'job:\n  script: echo hi\n')
  assert.deepEqual(layout(result), { test: ['job'] })
})
