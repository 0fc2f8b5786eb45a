import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { silentLogger, type Logger } from './logger.js'
import { loadOrCreateSystemId, SYSTEM_ID_PATTERN, systemIdFromMachineId } from './system-id.js'

describe('loadOrCreateSystemId', () => {
  let dir: string
  let machineIdFile: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glr-sysid-'))
    machineIdFile = join(dir, 'machine-id')
    await writeFile(machineIdFile, 'b08dfa6083e7567a1921a715000001fb\n')
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('derives an s_ id from the machine id with HMAC-SHA256 and stores it 0600 beside the config', async () => {
    const configDir = join(dir, 'derive')
    const id = await loadOrCreateSystemId(join(configDir, 'config.toml'), { machineIdFiles: [machineIdFile] })
    const expected = createHmac('sha256', 'b08dfa6083e7567a1921a715000001fb').update('gitlab-runner').digest('hex').slice(0, 12)
    assert.equal(id, `s_${expected}`)
    assert.equal(await readFile(join(configDir, '.runner_system_id'), 'utf8'), id)
    assert.equal((await stat(join(configDir, '.runner_system_id'))).mode & 0o777, 0o600)
  })

  it('reuses a valid stored id', async () => {
    const configDir = join(dir, 'reuse')
    await mkdir(configDir)
    await writeFile(join(configDir, '.runner_system_id'), 'r_AbCdEf123456\n')
    assert.equal(await loadOrCreateSystemId(join(configDir, 'config.toml'), { machineIdFiles: [machineIdFile] }), 'r_AbCdEf123456')
  })

  it('replaces invalid stored content with a fresh id', async () => {
    const configDir = join(dir, 'invalid')
    await mkdir(configDir)
    await writeFile(join(configDir, '.runner_system_id'), 'not-an-id')
    const id = await loadOrCreateSystemId(join(configDir, 'config.toml'), { machineIdFiles: [machineIdFile] })
    assert.equal(id, systemIdFromMachineId('b08dfa6083e7567a1921a715000001fb'))
    assert.equal(await readFile(join(configDir, '.runner_system_id'), 'utf8'), id)
  })

  it('falls back to a random r_ id when no machine id is available', async () => {
    const missing = [join(dir, 'nope-1'), join(dir, 'nope-2')]
    const first = await loadOrCreateSystemId(join(dir, 'random-1', 'config.toml'), { machineIdFiles: missing })
    const second = await loadOrCreateSystemId(join(dir, 'random-2', 'config.toml'), { machineIdFiles: missing })
    assert.match(first, /^r_[0-9a-zA-Z]{12}$/)
    assert.match(second, SYSTEM_ID_PATTERN)
    assert.notEqual(first, second)
  })

  it('warns and keeps the id in memory when the file cannot be written', async () => {
    // A regular file where the config directory should be: unwritable even for root.
    const blocker = join(dir, 'blocker')
    await writeFile(blocker, '')
    const warnings: string[] = []
    const quiet = silentLogger()
    const logger: Logger = { ...recordingLogger(quiet), warn: (message: string) => void warnings.push(message) }
    const id = await loadOrCreateSystemId(join(blocker, 'config.toml'), { machineIdFiles: [machineIdFile], logger })
    assert.equal(id, systemIdFromMachineId('b08dfa6083e7567a1921a715000001fb'))
    assert.deepEqual(warnings, ['could not save the system id; using it for this run only'])
  })
})

function recordingLogger(inner: Logger): Logger {
  return {
    debug: (message, fields) => inner.debug(message, fields),
    info: (message, fields) => inner.info(message, fields),
    warn: (message, fields) => inner.warn(message, fields),
    error: (message, fields) => inner.error(message, fields),
    child: (fields) => inner.child(fields),
    setLevel: (level) => inner.setLevel(level),
  }
}
