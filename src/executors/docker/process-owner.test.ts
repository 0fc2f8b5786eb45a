import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { isLeftover } from './leftover-reaper.js'
import { LABEL_PREFIX, MANAGED_LABEL } from './job-names.js'
import { currentOwner, formatOwner, OWNER_LABEL, ownerState, parseOwner, processStartTime } from './process-owner.js'

const me = currentOwner()

function exitedPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })

  return Number(child.stdout)
}

test('the owner label of this process parses back to this process', () => {
  assert.deepEqual(parseOwner(formatOwner(me)), me)
  assert.equal(ownerState(me), 'self')
})

test('values glrunner did not write are not owners', () => {
  for (const text of ['', 'host', 'host/boot/notapid/1', '/boot/12/1', 'a/b/c/d/e']) assert.equal(parseOwner(text), undefined, text)
})

test('a process that exited is gone, a live one is alive', async () => {
  assert.equal(ownerState({ ...me, pid: exitedPid(), startTime: me.startTime === '' ? '' : '1' }), 'gone')

  const child = spawn('sleep', ['30'], { stdio: 'ignore' })
  try {
    const pid = child.pid as number
    assert.equal(ownerState({ ...me, pid, startTime: processStartTime(pid) }), 'alive')
  } finally {
    child.kill('SIGKILL')
  }
})

test('a reused pid (same pid, another start time) and another boot both count as gone', { skip: me.startTime === '' ? 'no /proc' : false }, () => {
  const earlier = String(Number(me.startTime) - 1)
  assert.equal(ownerState({ ...me, startTime: earlier }), 'gone')
  assert.equal(ownerState({ ...me, bootId: 'another-boot' }), 'gone')
})

test('an owner on another machine cannot be judged', () => {
  assert.equal(ownerState({ ...me, host: `${me.host}-elsewhere`, pid: exitedPid() }), 'unknown')
})

test('only job objects with glrunner owner labels of a gone process are leftovers', () => {
  const gone = formatOwner({ ...me, pid: exitedPid(), startTime: '1' })
  const job = { [MANAGED_LABEL]: 'true', [`${LABEL_PREFIX}.job.id`]: '42' }
  assert.equal(isLeftover({ ...job, [OWNER_LABEL]: gone }), true)
  assert.equal(isLeftover({ ...job, [OWNER_LABEL]: formatOwner(me) }), false, 'a job of this process')
  assert.equal(isLeftover(job), false, 'no owner label: an official runner or someone else')
  assert.equal(isLeftover({ [MANAGED_LABEL]: 'true', [OWNER_LABEL]: gone }), false, 'not a job object')
  assert.equal(isLeftover({ [`${LABEL_PREFIX}.job.id`]: '42', [OWNER_LABEL]: gone }), false, 'not managed')
})
