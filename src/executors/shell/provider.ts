/** The shell executor's provider: local login shells, shared builds dir layout. */
import { resolve } from 'node:path'
import type { ExecutorProvider } from '../executor.js'
import { ShellExecutor, type ShellExecutorOptions } from './shell-executor.js'

/** A provider whose executors use `options` (tests shorten the kill grace period). */
export function createShellExecutorProvider(options: ShellExecutorOptions = {}): ExecutorProvider {
  return {
    name: 'shell',
    defaultShell: 'bash',
    supportedShells: ['bash', 'sh', 'pwsh', 'powershell'],
    sharedBuildsDir: true,
    environment: 'shared',
    defaultDirs: () => ({ buildsDir: resolve('builds'), cacheDir: resolve('cache') }),
    features: {
      variables: true, artifacts: true, cache: true, fallback_cache_keys: true, shared: true,
      upload_multiple_artifacts: true, upload_raw_artifacts: true, refspecs: true, masking: true,
      raw_variables: true, artifacts_exclude: true, multi_build_steps: true, return_exit_code: true,
    },
    create: () => new ShellExecutor(options),
  }
}

export const shellExecutorProvider = createShellExecutorProvider()
