/**
 * Reloads config.toml while the agent runs (spec 8.7: SIGHUP), and also when the file
 * changes on disk. A change is read only after the file has been quiet for a moment
 * (editors write in several steps); a file that does not load keeps the running
 * configuration and is reported once, naming the key, until the next change.
 *
 * The directory is watched rather than the file: editors and `updateConfig` replace the
 * file by renaming, which ends a watch on the old inode.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { GlobalConfig } from '../config/runner-config.js'
import { loadConfig } from '../config/load-config.js'
import { formatError, GlrunnerError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'

export interface ConfigWatcherOptions {
  path: string
  logger: Logger
  /**
   * Checks and applies a configuration that loaded; throw (a ConfigError naming the key)
   * to reject it, before anything was changed.
   */
  apply: (config: GlobalConfig, warnings: string[]) => void
  /** Called with the result of every reload attempt (metrics). */
  onResult?: (ok: boolean) => void
  /** Quiet time before a changed file is read; default 300 ms. */
  debounceMs?: number
  /** Also reload on SIGHUP; default true. */
  sighup?: boolean
}

export interface ConfigWatcher {
  /** Reloads now; resolves true when the new configuration was applied. */
  reload(trigger: string): Promise<boolean>
  close(): void
}

export function watchConfig(o: ConfigWatcherOptions): ConfigWatcher {
  const debounceMs = o.debounceMs ?? 300
  let timer: NodeJS.Timeout | undefined
  let lastText: string | undefined
  let chain: Promise<boolean> = Promise.resolve(true)
  let closed = false

  const attempt = async (trigger: string): Promise<boolean> => {
    if (closed) return false
    let text: string
    try {
      text = await readFile(o.path, 'utf8')
    } catch (err) {
      o.logger.error('config reload failed, keeping the running configuration', { trigger, error: formatError(err) })
      o.onResult?.(false)

      return false
    }
    // Our own token write-back and editors' touch-saves change nothing worth a reload.
    if (trigger === 'file change' && text === lastText) return true
    lastText = text
    try {
      const { config, warnings } = await loadConfig(o.path, { requireRunners: true })
      o.apply(config, warnings)
      o.onResult?.(true)

      return true
    } catch (err) {
      const hint = err instanceof GlrunnerError ? err.hint : undefined
      o.logger.error('config reload failed, keeping the running configuration', { trigger, error: formatError(err), ...(hint ? { hint } : {}) })
      o.onResult?.(false)

      return false
    }
  }

  const reload = (trigger: string): Promise<boolean> => {
    chain = chain.then(() => attempt(trigger))

    return chain
  }

  // Read now, synchronously: a change made right after start must not become the baseline.
  try {
    lastText = readFileSync(o.path, 'utf8')
  } catch {
    lastText = undefined
  }

  let watcher: FSWatcher | undefined
  try {
    watcher = watch(dirname(o.path), { persistent: false }, (_event, name) => {
      if (name !== null && name !== basename(o.path)) return
      clearTimeout(timer)
      timer = setTimeout(() => void reload('file change'), debounceMs)
    })
    watcher.on('error', (err) => o.logger.warn('watching the config file stopped; SIGHUP still reloads', { error: formatError(err) }))
  } catch (err) {
    o.logger.warn('cannot watch the config file; SIGHUP still reloads', { path: o.path, error: formatError(err) })
  }

  const onHangup = (): void => void reload('SIGHUP')
  if (o.sighup !== false) process.on('SIGHUP', onHangup)

  return {
    reload,
    close() {
      closed = true
      clearTimeout(timer)
      watcher?.close()
      process.off('SIGHUP', onHangup)
    },
  }
}
