/** The custom executor's provider: dirs come from config or config_exec, never a default. */
import type { ExecutorProvider } from '../executor.js'
import { CustomExecutor } from './custom-executor.js'

export const customExecutorProvider: ExecutorProvider = {
  name: 'custom',
  defaultShell: 'bash',
  supportedShells: ['bash', 'sh', 'pwsh', 'powershell'],
  // The official default; config_exec's builds_dir_is_shared turns it on per job.
  sharedBuildsDir: false,
  environment: 'shared',
  // Empty: prepare() fails with "the builds_dir is not configured" unless set somewhere.
  defaultDirs: () => ({ buildsDir: '', cacheDir: '' }),
  features: {
    variables: true, shared: true, multi_build_steps: true, return_exit_code: true, masking: true,
    raw_variables: true, refspecs: true,
  },
  create: () => new CustomExecutor(),
}
