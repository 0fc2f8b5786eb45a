/**
 * Executors glrunner knows by their `[[runners]] executor` name. Other executors register
 * here as they are written.
 */
import type { ExecutorProvider } from './executor.js'
import { dockerExecutorProvider } from './docker/provider.js'
import { shellExecutorProvider } from './shell/provider.js'
import { customExecutorProvider } from './custom/provider.js'
import { sshExecutorProvider } from './ssh/provider.js'

const PROVIDERS = new Map<string, ExecutorProvider>([
  [shellExecutorProvider.name, shellExecutorProvider],
  [dockerExecutorProvider.name, dockerExecutorProvider],
  [customExecutorProvider.name, customExecutorProvider],
  [sshExecutorProvider.name, sshExecutorProvider],
])

/** The provider for `name`, or undefined when glrunner has no such executor. */
export function getExecutorProvider(name: string): ExecutorProvider | undefined {
  return PROVIDERS.get(name)
}

/** Names of all known executors, sorted. */
export function executorNames(): string[] {
  return [...PROVIDERS.keys()].sort()
}

/** Adds or replaces a provider (other executors' modules call this at start-up). */
export function registerExecutorProvider(provider: ExecutorProvider): void {
  PROVIDERS.set(provider.name, provider)
}
