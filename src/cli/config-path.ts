/**
 * Where config.toml lives when `--config` is not given: the CONFIG_FILE environment
 * variable, else /etc/glrunner/config.toml for root and ~/.glrunner/config.toml for
 * everyone else (the official runner's layout, under glrunner's own name so the two can
 * live side by side).
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

export function resolveConfigPath(option?: string): string {
  if (option !== undefined && option !== '') return resolve(option)
  if (process.env.CONFIG_FILE) return resolve(process.env.CONFIG_FILE)
  if (process.getuid?.() === 0) return '/etc/glrunner/config.toml'

  return join(homedir(), '.glrunner', 'config.toml')
}
