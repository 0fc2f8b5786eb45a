import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from './load-config.js'
import { defaultGlobalConfig, defaultRunnerConfig } from './runner-config.js'
import { saveConfig, updateConfig } from './save-config.js'

const OFFICIAL_STYLE = `concurrent = 3
check_interval = 0
shutdown_timeout = 30
mystery = "kept"

[session_server]
session_timeout = 1800

[[runners]]
name = "box"
limit = 2
url = "http://127.0.0.1:3000"
id = 17
token = "glrt-t1_AbCdEfGhIjKlMnOp"
token_obtained_at = 2026-01-02T03:04:05Z
token_expires_at = 2026-04-02T03:04:05Z
executor = "docker"
environment = ["A=1", "B=two words"]
[runners.feature_flags]
FF_USE_FASTZIP = true
[runners.custom_build_dir]
enabled = true
[runners.cache]
Type = "s3"
[runners.cache.s3]
BucketName = "bucket"
[runners.docker]
image = "alpine:3.20"
privileged = false
volumes = ["/cache"]
[runners.kubernetes]
namespace = "ci"
[runners.kubernetes.node_selector]
"kubernetes.io/os" = "linux"
`

describe('saveConfig', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glr-save-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('round-trips: load, save, load gives the same config and keeps unknown tables', async () => {
    const path = join(dir, 'round.toml')
    await writeFile(path, OFFICIAL_STYLE)
    const first = await loadConfig(path)
    await saveConfig(path, first.config)
    const second = await loadConfig(path)
    assert.deepEqual(JSON.parse(JSON.stringify(second.config)), JSON.parse(JSON.stringify(first.config)))
    assert.deepEqual(second.warnings, first.warnings)

    const text = await readFile(path, 'utf8')
    assert.match(text, /\[runners\.kubernetes\.node_selector\]\n"kubernetes\.io\/os" = "linux"/)
    assert.match(text, /\[runners\.cache\.s3\]\nBucketName = "bucket"/)
    assert.match(text, /^mystery = "kept"$/m)
  })

  it('writes global keys first, then each runner with its identity keys before its sub-tables', async () => {
    const path = join(dir, 'layout.toml')
    const runner = defaultRunnerConfig({ name: 'r', url: 'http://127.0.0.1:1', id: 5, token: 'tok', executor: 'shell', docker: { image: 'x' } })
    await saveConfig(path, defaultGlobalConfig({ runners: [runner] }))
    const text = await readFile(path, 'utf8')
    const order = ['concurrent =', 'check_interval =', 'shutdown_timeout =', '[[runners]]', 'name = "r"', 'url =', 'id = 5', 'token = "tok"', 'executor = "shell"', '[runners.docker]']
    const positions = order.map((needle) => text.indexOf(needle))
    assert.ok(positions.every((position) => position >= 0), text)
    assert.deepEqual([...positions].sort((a, b) => a - b), positions)
    assert.equal(text.includes('request_concurrency'), false, 'defaults are left out')
  })

  it('creates the file 0600 in a new 0700 directory and leaves no temp files behind', async () => {
    const path = join(dir, 'new-dir', 'config.toml')
    await saveConfig(path, defaultGlobalConfig())
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.equal((await stat(join(dir, 'new-dir'))).mode & 0o777, 0o700)
    assert.deepEqual(await readdir(join(dir, 'new-dir')), ['config.toml'])
  })

  it('loses no change when several updates run at once in one process', async () => {
    const path = join(dir, 'concurrent.toml')
    await saveConfig(path, defaultGlobalConfig())
    await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        updateConfig(path, (config) => {
          config.runners.push(defaultRunnerConfig({ name: `r${index}`, token: `t${index}` }))
        }),
      ),
    )
    const { config } = await loadConfig(path)
    assert.deepEqual(config.runners.map((runner) => runner.name).sort(), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'])
  })
})
