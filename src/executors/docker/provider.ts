/** The docker executor's provider: `/builds` and `/cache` in containers, normal shell type. */
import type { ExecutorProvider } from '../executor.js'
import { DockerExecutor, type DockerExecutorOptions } from './docker-executor.js'

/** A provider whose executors use `options` (tests inject identity or a client wrapper). */
export function createDockerExecutorProvider(options: DockerExecutorOptions = {}): ExecutorProvider {
  return {
    name: 'docker',
    defaultShell: 'bash',
    supportedShells: ['bash', 'sh'],
    sharedBuildsDir: false,
    environment: 'disposable',
    defaultDirs: () => ({ buildsDir: '/builds', cacheDir: '/cache' }),
    features: {
      variables: true, image: true, services: true, artifacts: true, cache: true, fallback_cache_keys: true,
      shared: false, upload_multiple_artifacts: true, upload_raw_artifacts: true, session: false, terminal: false,
      refspecs: true, masking: true, proxy: false, raw_variables: true, artifacts_exclude: true,
      multi_build_steps: true, return_exit_code: true, service_variables: true, service_multiple_aliases: true,
      image_executor_opts: true,
    },
    create: () => new DockerExecutor(options),
  }
}

export const dockerExecutorProvider = createDockerExecutorProvider()
