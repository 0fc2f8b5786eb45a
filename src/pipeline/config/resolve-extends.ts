/**
 * `extends` (spec §4): deep merge of the parents, in the listed order, then the entry itself.
 * Mirrors GitLab's resolver: entries are processed in hash order, each entry is extended
 * once, an entry that itself uses `extends` may sit at most 10 levels below the entry being
 * resolved, and a cycle names the entry met twice.
 */
import { fail } from '../config-problem.js'
import { deepMerge, hasOwn, isPlainObject, setKey } from '../util/objects.js'

const MAX_NESTING_LEVELS = 10

export function resolveExtends(config: Record<string, unknown>, file: string): void {
  const done = new Set<string>()
  for (const key of Object.keys(config)) {
    if (isPlainObject(config[key]) && hasOwn(config[key] as object, 'extends')) {
      extendEntry(config, key, [], done, file)
    }
  }
}

function parentsOf(value: Record<string, unknown>, key: string, file: string): string[] {
  const raw = value.extends
  if (typeof raw === 'string') return [raw]
  if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) return raw as string[]

  return fail(file, `${key}: invalid extends key`, { key: `jobs:${key}:extends` })
}

function extendEntry(config: Record<string, unknown>, key: string, ancestors: string[], done: Set<string>, file: string): void {
  const value = config[key]
  if (done.has(key) || !isPlainObject(value) || !hasOwn(value, 'extends')) return

  const parents = parentsOf(value, key, file)
  const unknown = parents.filter((parent) => !hasOwn(config, parent))
  if (unknown.length > 0) fail(file, `${key}: unknown keys in \`extends\` (${unknown.join(', ')})`, { key: `jobs:${key}` })

  const invalid = parents.filter((parent) => !isPlainObject(config[parent]))
  if (invalid.length > 0) fail(file, `${key}: invalid base hashes in \`extends\` (${invalid.join(', ')})`, { key: `jobs:${key}` })
  if (ancestors.length > MAX_NESTING_LEVELS) fail(file, `${key}: nesting too deep in \`extends\``, { key: `jobs:${key}` })
  if (ancestors.includes(key)) fail(file, `${key}: circular dependency detected in \`extends\``, { key: `jobs:${key}` })

  let merged: unknown = {}
  for (const parent of parents) {
    extendEntry(config, parent, [...ancestors, key], done, file)
    merged = deepMerge(merged, config[parent])
  }

  const own: Record<string, unknown> = {}
  for (const [name, item] of Object.entries(value)) if (name !== 'extends') setKey(own, name, item)
  const result = deepMerge(merged, own) as Record<string, unknown>
  delete result.extends
  setKey(config, key, result)
  done.add(key)
}
