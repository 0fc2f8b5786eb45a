/** The docker executor's provider: `/builds` and `/cache` in containers, normal shell type. */
import type { ExecutorProvider } from '../executor.js'
import { DockerExecutor, type DockerExecutorOptions } from './docker-executor.js'
import { connectDockerEngine } from './connect-engine.js'
import { readDockerSettings } from './docker-settings.js'
import { StartupReaper } from './startup-reaper.js'

/** A provider whose executors use `options` (tests inject identity or a client wrapper). */
export function createDockerExecutorProvider(options: DockerExecutorOptions = {}): ExecutorProvider {
  // One reaper per provider: the registered provider is one per process.
  const reaper = options.startupReaper ?? new StartupReaper(options.clientFactory ?? connectDockerEngine)

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
    create: () => new DockerExecutor({ ...options, startupReaper: reaper }),
    startup: async ({ runner, logger }) => {
      let settings
      try {
        settings = readDockerSettings(runner.docker)
      } catch (err) {
        logger.warn('not removing docker leftovers: invalid [runners.docker]', { error: err instanceof Error ? err.message : String(err) })

        return
      }
      await reaper.once({ host: settings.host, tlsCertPath: settings.tls_cert_path, tlsVerify: settings.tls_verify }, { logger })
    },
  }
}

export const dockerExecutorProvider = createDockerExecutorProvider()
