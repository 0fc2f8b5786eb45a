/**
 * The CLI loads dockerode (with gRPC and protobuf) and ssh2 only when a job needs them:
 * loading them costs a few hundred milliseconds that `--version`, `exec` with the shell
 * executor and a shell runner would otherwise pay at every start.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)))

test('the exec, run and run-single commands start without loading dockerode or ssh2', () => {
  const script = `
    import { createRequire } from 'node:module'
    const require = createRequire(import.meta.url)
    for (const name of ['exec', 'run', 'run-single']) await import('./src/cli/' + name + '.ts')
    await import('./src/local/run-pipeline.ts')
    await import('./src/manager/runner-manager.ts')
    console.log(JSON.stringify(Object.keys(require.cache).filter((path) => /node_modules\\/(dockerode|docker-modem|ssh2|protobufjs|@grpc)\\//.test(path))))
  `
  const loaded = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })) as string[]

  assert.deepEqual(loaded, [])
})
