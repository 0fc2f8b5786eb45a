import assert from 'node:assert/strict'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { JobLogFiles } from './job-log-files.js'

test('jobs whose names sanitise alike get their own files, and jobs.json says which is whose', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'glr-logs-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const files = new JobLogFiles(dir)

  await files.save('a b', Buffer.from('one'))
  await files.save('a/b', Buffer.from('two'))
  await files.save('.hidden', Buffer.from('three'))

  assert.deepEqual((await readdir(dir)).sort(), ['_hidden.log', 'a_b-2.log', 'a_b.log', 'jobs.json'])
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'jobs.json'), 'utf8')), { 'a b': 'a_b.log', 'a/b': 'a_b-2.log', '.hidden': '_hidden.log' })
  assert.equal(await readFile(join(dir, 'a_b-2.log'), 'utf8'), 'two')
})
