import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { sessionMembers } from './process-tree.js'

test('sessionMembers finds every live process of a session, including one that moved to its own process group', async (t) => {
  // set -m: bash puts the background job in a process group of its own, as `timeout` does.
  const leader = spawn('bash', ['-c', 'set -m; sleep 30 & echo $!; exec sleep 30'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] })
  t.after(() => {
    for (const pid of sessionMembers(leader.pid ?? -1)) process.kill(pid, 'SIGKILL')
  })
  const [line] = (await once(leader.stdout, 'data')) as [Buffer]
  const background = Number(line.toString().trim())
  const leaderPid = leader.pid ?? -1

  const members = sessionMembers(leaderPid)

  assert.deepEqual([...members].sort((a, b) => a - b), [leaderPid, background].sort((a, b) => a - b))
  assert.deepEqual(sessionMembers(2 ** 31 - 1), [], 'no process leads a session with an impossible pid')
})
