/** The ssh executor's provider: remote login shells, shared builds dir layout on the host. */
import type { ExecutorProvider } from '../executor.js'
import { SshExecutor, type SshExecutorOptions } from './ssh-executor.js'

/** A provider whose executors use `options` (tests shorten the kill grace period). */
export function createSshExecutorProvider(options: SshExecutorOptions = {}): ExecutorProvider {
  return {
    name: 'ssh',
    defaultShell: 'bash',
    supportedShells: ['bash', 'sh', 'pwsh', 'powershell'],
    sharedBuildsDir: true,
    environment: 'shared',
    // Relative: resolved on the remote host against the login directory.
    defaultDirs: () => ({ buildsDir: 'builds', cacheDir: 'cache' }),
    features: {
      variables: true, artifacts: true, cache: true, shared: true, upload_multiple_artifacts: true,
      upload_raw_artifacts: true, refspecs: true, masking: true, raw_variables: true,
      artifacts_exclude: true, multi_build_steps: true, return_exit_code: true,
    },
    create: () => new SshExecutor(options),
  }
}

export const sshExecutorProvider = createSshExecutorProvider()
