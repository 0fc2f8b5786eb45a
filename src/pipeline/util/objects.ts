import { ReferenceTag } from '../yaml/reference-tag.js'

/** A YAML mapping as loaded: a plain object (not an array, not a `!reference`). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof ReferenceTag)
}

/** Assigns a key, even `__proto__`, as an own property. */
export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}

/**
 * GitLab's deep merge (ActiveSupport `deep_merge`): hashes merge key by key, recursively;
 * anything else (arrays, scalars, null, references) on the right replaces the left.
 */
export function deepMerge(left: unknown, right: unknown): unknown {
  if (!isPlainObject(left) || !isPlainObject(right)) return right

  const result: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(left)) setKey(result, key, value)
  for (const [key, value] of Object.entries(right)) {
    setKey(result, key, hasOwn(result, key) ? deepMerge(result[key], value) : value)
  }

  return result
}

export function hasOwn(target: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(target, key)
}
