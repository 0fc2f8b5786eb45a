import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { BuildFileTransfer, Executor, ExecutorProvider } from '../../src/executors/executor.js'
import { createShellExecutorProvider } from '../../src/executors/shell/provider.js'
import { basePayload, runJob, scratchDir } from '../conformance/run-job.js'

/**
 * The shell executor with its files hidden behind a BuildFileTransfer (tar through a pipe),
 * as a container or SSH executor offers them: the cache stages must go through it.
 */
function transferOnly(calls: string[]): ExecutorProvider {
  const shell = createShellExecutorProvider({ gracefulKillMs: 1_000, forceKillMs: 2_000 })

  return {
    ...shell,
    create: (): Executor => {
      const inner = shell.create()
      let projectDir = ''
      const files: BuildFileTransfer = {
        download: async (paths, localDir) => {
          calls.push(`download ${paths.join(',')}`)
          const existing = paths.filter((path) => {
            try {
              execFileSync('test', ['-e', join(projectDir, path)])

              return true
            } catch {
              return false
            }
          })
          if (existing.length === 0) return
          const tar = execFileSync('tar', ['-C', projectDir, '-cf', '-', ...existing])
          execFileSync('tar', ['-C', localDir, '-xf', '-'], { input: tar })
        },
        upload: async (localDir) => {
          calls.push('upload')
          const tar = execFileSync('tar', ['-C', localDir, '-cf', '-', '.'])
          execFileSync('tar', ['-C', projectDir, '-xf', '-'], { input: tar })
        },
      }

      return {
        prepare: (options) => {
          projectDir = options.paths.projectDir

          return inner.prepare(options)
        },
        run: (options) => inner.run(options),
        cleanup: () => inner.cleanup(),
        hostProjectDir: undefined,
        files,
      }
    },
  }
}

test('cache stages of an executor without host files work through its file transfer, copying only what the paths need', async (t) => {
  const scratch = scratchDir()
  t.after(() => scratch.remove())
  const runner = { builds_dir: join(scratch.dir, 'builds'), cache_dir: join(scratch.dir, 'cache') }
  const cache = [{ key: 'deps', paths: ['vendor/'], policy: 'pull-push', when: 'on_success' }]

  const saveCalls: string[] = []
  const first = await runJob({
    provider: transferOnly(saveCalls),
    runner,
    payload: basePayload({ cache, steps: [{ name: 'script', script: ['mkdir -p vendor other', 'echo cached > vendor/lib.txt', 'echo no > other/x'], when: 'on_success' }] }),
  })
  assert.equal(first.result.state, 'success', first.text)
  assert.match(first.text, /Created cache/)
  assert.deepEqual(saveCalls, ['download vendor'])
  // The archive is kept under the runner's own cache_dir, a path of this machine.
  assert.ok(existsSync(join(scratch.dir, 'cache', 'project-7', 'deps', 'cache.zip')))

  // A fresh project dir: only the cache can bring vendor/lib.txt back.
  rmSync(join(scratch.dir, 'builds'), { recursive: true, force: true })
  mkdirSync(join(scratch.dir, 'builds'))
  const restoreCalls: string[] = []
  const second = await runJob({
    provider: transferOnly(restoreCalls),
    runner,
    payload: basePayload({ cache, steps: [{ name: 'script', script: ['cat vendor/lib.txt', 'test ! -e other/x'], when: 'on_success' }] }),
  })
  assert.equal(second.result.state, 'success', second.text)
  assert.match(second.text, /^cached$/m)
  assert.equal(restoreCalls[0], 'upload')
})
