/**
 * Serialises writers of one config file within this process. The `run` command rewrites
 * config.toml when it rotates a token while a CLI path may append a runner; without the
 * lock two read-modify-write cycles could interleave and one change would be lost.
 *
 * Re-entrant per async call chain (AsyncLocalStorage), so updateConfig() can hold the lock
 * and call saveConfig(), which takes it too, without deadlocking.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { resolve } from 'node:path'

const tails = new Map<string, Promise<unknown>>()
const held = new AsyncLocalStorage<ReadonlySet<string>>()

export async function withConfigLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const key = resolve(path)
  const current = held.getStore() ?? new Set<string>()
  if (current.has(key)) return fn()

  const previous = tails.get(key) ?? Promise.resolve()
  const run = previous.catch(() => undefined).then(() => held.run(new Set([...current, key]), fn))
  const tail = run.catch(() => undefined)
  tails.set(key, tail)

  try {
    return await run
  } finally {
    // Drop the entry once nobody queued behind us, so the map does not grow per path forever.
    if (tails.get(key) === tail) tails.delete(key)
  }
}
