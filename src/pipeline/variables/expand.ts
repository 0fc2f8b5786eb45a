/**
 * Variable expansion as GitLab and the runner do it (spec §7.2): `$VAR` and `${VAR}` are
 * replaced, `$$` stands for a literal `$`, references are resolved recursively, a cycle
 * leaves the reference as written, and a raw variable (`expand: false`) is never expanded.
 */
import type { PlanVariable } from '../types.js'

const TOKEN = /\$\$|\$\{(\w+)\}|\$(\w+)/g

export interface ExpandOptions {
  /** Keep `$NAME` of unknown variables instead of replacing it with ''. */
  keepUnknown?: boolean
}

/**
 * GitLab's server-side ExpandVariables also reads the Windows form `%NAME%`; the runner's
 * job-time expansion (expandVariables below) does not, so only compile-time expansion has it.
 */
const SERVER_TOKEN = /\$\$|\$\{(\w+)\}|\$(\w+)|%([a-zA-Z_][a-zA-Z0-9_]*)%/g

/**
 * Expands `text` once against a fixed lookup: what GitLab expands when it creates the
 * pipeline (include locations, rules:changes/exists paths, environment, resource_group,
 * trigger project and branch).
 */
export function expandText(text: string, lookup: (name: string) => string | undefined, options: ExpandOptions = {}): string {
  return text.replace(SERVER_TOKEN, (match, braced: string | undefined, bare: string | undefined, windows: string | undefined) => {
    if (match === '$$') return '$'
    const value = lookup(braced ?? bare ?? windows ?? '')

    return value ?? (options.keepUnknown === true ? match : '')
  })
}

/** Last definition wins: the list is ordered from lowest to highest precedence. */
export function variablesToMap(list: PlanVariable[]): Map<string, PlanVariable> {
  const map = new Map<string, PlanVariable>()
  for (const variable of list) {
    map.delete(variable.key)
    map.set(variable.key, variable)
  }

  return map
}

/** Final values of every variable, expanded the way the job sees them. */
export function expandVariables(list: PlanVariable[], options: ExpandOptions = {}): Record<string, string> {
  const byKey = variablesToMap(list)
  const done = new Map<string, string>()
  const inProgress = new Set<string>()

  const resolve = (name: string): string | undefined => {
    const known = done.get(name)
    if (known !== undefined) return known
    const variable = byKey.get(name)
    if (variable === undefined) return undefined
    if (variable.raw) {
      done.set(name, variable.value)

      return variable.value
    }

    inProgress.add(name)
    const value = variable.value.replace(TOKEN, (match, braced: string | undefined, bare: string | undefined) => {
      if (match === '$$') return '$'
      const ref = braced ?? bare ?? ''
      if (inProgress.has(ref)) return match
      const resolved = resolve(ref)

      return resolved ?? (options.keepUnknown === true ? match : '')
    })
    inProgress.delete(name)
    done.set(name, value)

    return value
  }

  const result: Record<string, string> = {}
  for (const key of byKey.keys()) {
    Object.defineProperty(result, key, { value: resolve(key) ?? '', enumerable: true, writable: true, configurable: true })
  }

  return result
}

/** Plain name → value map of unexpanded values, later entries winning (for rules:if). */
export function rawValues(list: PlanVariable[]): Map<string, string> {
  const map = new Map<string, string>()
  for (const variable of list) map.set(variable.key, variable.value)

  return map
}
