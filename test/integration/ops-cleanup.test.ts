import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { cleanupSettings, parseDurationMs, parseSize } from '../../src/cleanup/cleanup-config.js'
import { cleanDisk } from '../../src/cleanup/disk-cleanup.js'
import { scheduleCleanup } from '../../src/cleanup/run-cleanup.js'
import { defaultGlobalConfig, defaultRunnerConfig } from '../../src/config/runner-config.js'
import { createLogger } from '../../src/core/logger.js'
import { glrunnerArgs } from '../helpers/glrunner-cli.js'

const execFileAsync = promisify(execFile)
const DAY_MS = 86_400_000

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined
}

/** A checkout whose every file was last touched `ageDays` ago. */
async function checkout(path: string, ageDays: number): Promise<void> {
  await mkdir(join(path, '.git'), { recursive: true })
  await writeFile(join(path, '.git', 'index'), 'index')
  await writeFile(join(path, 'file.txt'), 'x'.repeat(4096))
  await age([join(path, '.git', 'index'), join(path, '.git'), join(path, 'file.txt'), path], ageDays)
}

async function age(paths: string[], ageDays: number): Promise<void> {
  const when = new Date(Date.now() - ageDays * DAY_MS)
  for (const path of paths) await utimes(path, when, when)
}

async function cache(path: string, ageDays: number): Promise<void> {
  await mkdir(path, { recursive: true })
  await writeFile(join(path, 'cache.zip'), 'zip')
  await age([join(path, 'cache.zip'), path], ageDays)
}

function glrunner(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, glrunnerArgs(args), { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))

  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })))
}

describe('disk cleanup', () => {
  let dir: string
  let builds: string
  let caches: string
  let configPath: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glrunner-ops-cleanup-'))
    builds = join(dir, 'builds')
    caches = join(dir, 'cache')
    configPath = join(dir, 'config.toml')
    await writeFile(configPath, ['[cleanup]', '  older_than = "3d"', '', '[[runners]]', '  name = "box"', '  url = "http://127.0.0.1:1"', '  token = "glrt-cleanup-test-token"', '  executor = "shell"', `  builds_dir = "${builds}"`, `  cache_dir = "${caches}"`, ''].join('\n'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('removes old build dirs and caches, keeps young ones, and a dry run removes nothing', async () => {
    await checkout(join(builds, 'tok', '0', 'acme', 'old'), 10)
    await mkdir(join(builds, 'tok', '0', 'acme', 'old.tmp'))
    await age([join(builds, 'tok', '0', 'acme', 'old.tmp')], 10)
    await checkout(join(builds, 'tok', '0', 'acme', 'young'), 1)
    await mkdir(join(builds, 'tok', '1', 'gone', 'orphan.tmp'), { recursive: true })
    await age([join(builds, 'tok', '1', 'gone', 'orphan.tmp')], 10)
    await cache(join(caches, 'acme', 'old', 'key-1'), 10)
    await cache(join(caches, 'acme', 'young', 'key-2'), 0)

    const dry = await glrunner(['cleanup', '--config', configPath, '--dry-run'])
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, /would remove build .*acme\/old \(unused for 10d/)
    assert.match(dry.stdout, /kept build .*acme\/young \(used 24h ago/)
    assert.ok(await exists(join(builds, 'tok', '0', 'acme', 'old')), 'a dry run removes nothing')

    const real = await glrunner(['cleanup', '--config', configPath])
    assert.equal(real.code, 0, real.stderr)
    assert.equal(await exists(join(builds, 'tok', '0', 'acme', 'old')), false)
    assert.equal(await exists(join(builds, 'tok', '0', 'acme', 'old.tmp')), false, 'the checkout\'s .tmp goes with it')
    assert.equal(await exists(join(builds, 'tok', '1')), false, 'an orphaned .tmp goes, and the dirs it leaves empty')
    assert.equal(await exists(join(caches, 'acme', 'old')), false)
    assert.ok(await exists(join(builds, 'tok', '0', 'acme', 'young', 'file.txt')))
    assert.ok(await exists(join(caches, 'acme', 'young', 'key-2', 'cache.zip')))
    assert.ok(await exists(builds), 'the builds_dir itself stays')

    const younger = await glrunner(['cleanup', '--config', configPath, '--older-than', '12h'])
    assert.equal(younger.code, 0, younger.stderr)
    assert.equal(await exists(join(builds, 'tok', '0', 'acme', 'young')), false, '--older-than overrides [cleanup] older_than')
    assert.ok(await exists(join(caches, 'acme', 'young', 'key-2')), 'a cache used just now stays')
  })

  it('keeps what a running job or a process uses, however old', async () => {
    const busy = join(builds, 'tok', '2', 'acme', 'busy')
    const claimed = join(builds, 'tok', '3', 'acme', 'claimed')
    await checkout(busy, 30)
    await checkout(claimed, 30)
    const sleeper = spawn('sleep', ['30'], { cwd: busy, stdio: 'ignore' })
    try {
      const decisions = await cleanDisk({ roots: [{ kind: 'build', path: builds }], olderThanMs: DAY_MS, dryRun: false, inUse: (path) => path.endsWith('/claimed') })
      const reasons = Object.fromEntries(decisions.map((decision) => [decision.unit.path, decision.reason]))
      assert.equal(reasons[busy], 'a process works in it')
      assert.equal(reasons[claimed], 'a running job uses it')
      assert.ok(await exists(busy) && await exists(claimed))
    } finally {
      sleeper.kill()
    }
  })

  it('runs from the [cleanup] schedule when free space is below min_free_space', async () => {
    const root = join(dir, 'scheduled')
    await checkout(join(root, 'tok', '0', 'acme', 'stale'), 10)
    await checkout(join(root, 'tok', '0', 'acme', 'fresh'), 0)
    const config = defaultGlobalConfig({
      runners: [defaultRunnerConfig({ executor: 'shell', builds_dir: root, cache_dir: join(dir, 'scheduled-cache') })],
      // Free space is always below 100 % of the disk, so the low-space trigger fires.
      extra: { cleanup: { older_than: '1d', min_free_space: '100%' } },
    })
    const schedule = scheduleCleanup({ config: () => config, logger: createLogger({ level: 'error' }), inUse: () => false, lowSpaceCheckMs: 50 })
    try {
      const deadline = Date.now() + 10_000
      while ((await exists(join(root, 'tok', '0', 'acme', 'stale'))) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      assert.equal(await exists(join(root, 'tok', '0', 'acme', 'stale')), false)
      assert.ok(await exists(join(root, 'tok', '0', 'acme', 'fresh')))
    } finally {
      schedule.stop()
    }
  })

  it('reads [cleanup] durations and sizes, and names the key of a bad value', () => {
    assert.equal(parseDurationMs('1h30m'), 5_400_000)
    assert.equal(parseDurationMs('7d'), 7 * DAY_MS)
    assert.equal(parseDurationMs('soon'), undefined)
    assert.deepEqual(parseSize('10GB'), { bytes: 10 * 1024 ** 3 })
    assert.deepEqual(parseSize('5%'), { percent: 5 })
    assert.deepEqual(cleanupSettings({ cleanup: { older_than: '2d', interval: '6h', min_free_space: '1G' } }), { olderThanMs: 2 * DAY_MS, intervalMs: 6 * 3_600_000, minFreeSpace: { bytes: 1024 ** 3 }, docker: true })
    assert.throws(() => cleanupSettings({ cleanup: { older_than: 'a week' } }), /cleanup\.older_than: expected a duration such as "72h" or "7d", got "a week"/)
  })

  it('lists Docker cache volumes by label, or says the Docker step was skipped', async () => {
    const volume = `glrunner-ops-cleanup-${process.pid}`
    const dockerConfig = join(dir, 'docker.toml')
    await writeFile(dockerConfig, ['[[runners]]', '  name = "d"', '  url = "http://127.0.0.1:1"', '  token = "glrt-cleanup-docker"', '  executor = "docker"', `  cache_dir = "${caches}"`, ''].join('\n'))
    const created = await execFileAsync('docker', ['volume', 'create', '--label', 'com.gitlab.gitlab-runner.type=cache', volume]).then(() => true, () => false)
    if (!created) {
      if (process.env.CI === 'true') assert.fail('CI=true but no Docker engine answers')
      const result = await glrunner(['cleanup', '--config', dockerConfig, '--dry-run'])
      assert.match(result.stdout, /docker: skipped, no Docker engine answers/)

      return
    }
    try {
      // Dry run only: other volumes on this machine carry the same label.
      const result = await glrunner(['cleanup', '--config', dockerConfig, '--dry-run', '--older-than', '0s'])
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, new RegExp(`would remove docker volume ${volume}`))
      const kept = await glrunner(['cleanup', '--config', dockerConfig, '--older-than', '365d'])
      assert.match(kept.stdout, new RegExp(`kept docker volume ${volume} \\(created 0m ago\\)`))
    } finally {
      await execFileAsync('docker', ['volume', 'rm', '-f', volume]).catch(() => undefined)
    }
  })
})
