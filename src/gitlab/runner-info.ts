/**
 * The `info` object the runner sends with register, verify, job request and every job
 * update, and the feature flags it advertises. Only features glrunner implements are set
 * to true; the rest are sent as false, as the API expects every key.
 */
import { arch, platform } from 'node:os'
import { GLRUNNER_REVISION, GLRUNNER_VERSION } from '../core/version.js'

export const RUNNER_FEATURE_KEYS = [
  'variables', 'image', 'services', 'artifacts', 'cache', 'fallback_cache_keys', 'shared',
  'upload_multiple_artifacts', 'upload_raw_artifacts', 'session', 'terminal', 'refspecs',
  'masking', 'proxy', 'raw_variables', 'artifacts_exclude', 'multi_build_steps',
  'trace_reset', 'trace_checksum', 'trace_size', 'vault_secrets', 'cancelable',
  'return_exit_code', 'service_variables', 'service_multiple_aliases', 'image_executor_opts',
  'service_executor_opts', 'cancel_gracefully', 'native_steps_integration',
  'two_phase_job_commit', 'job_inputs',
] as const

export type RunnerFeature = (typeof RUNNER_FEATURE_KEYS)[number]
export type RunnerFeatures = Record<RunnerFeature, boolean>

/** Features the network layer always implements, whatever the executor. */
export const NETWORK_FEATURES: Partial<RunnerFeatures> = {
  trace_reset: true,
  trace_checksum: true,
  trace_size: true,
  cancelable: true,
  cancel_gracefully: true,
  two_phase_job_commit: true,
}

export interface RunnerInfo {
  name: string
  version: string
  revision: string
  platform: string
  architecture: string
  executor?: string
  shell?: string
  features: RunnerFeatures
  config: { gpus: string }
}

/** Node's platform and arch names, in the Go spelling GitLab expects. */
export function goPlatform(): { platform: string; architecture: string } {
  const platforms: Record<string, string> = { win32: 'windows', darwin: 'darwin', linux: 'linux', freebsd: 'freebsd' }
  const architectures: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64' }

  return { platform: platforms[platform()] ?? platform(), architecture: architectures[arch()] ?? arch() }
}

export function buildRunnerInfo(options: {
  executor?: string
  shell?: string
  features?: Partial<RunnerFeatures>
}): RunnerInfo {
  const features = Object.fromEntries(RUNNER_FEATURE_KEYS.map((key) => [key, false])) as RunnerFeatures
  Object.assign(features, NETWORK_FEATURES, options.features ?? {})

  return {
    name: 'glrunner',
    version: GLRUNNER_VERSION,
    revision: GLRUNNER_REVISION,
    ...goPlatform(),
    ...(options.executor ? { executor: options.executor } : {}),
    ...(options.shell ? { shell: options.shell } : {}),
    features,
    config: { gpus: '' },
  }
}
