/** Where a configuration problem is: the file and line of the key it is about. */
import type { Definitions } from './include/expand-includes.js'
import type { CompileError } from './types.js'
import { keyLine } from './yaml/load-yaml.js'

/**
 * Points a problem at the file and line where its key was defined: the nested key itself
 * (`jobs:build:script` → the `script:` line) when the file that last defined the job or
 * top-level key wrote it, else that job or top-level key's line.
 */
export function locateProblem(problem: CompileError, definitions: Definitions | undefined): CompileError {
  if (definitions === undefined || problem.line !== undefined) return problem
  const target = definedEntry(problem, definitions)
  const found = target === undefined ? undefined : definitions.get(target.entry)
  if (target === undefined || found === undefined) return problem

  let line = found.line
  let node = found.value
  for (const segment of target.path) {
    const nested = keyLine(node, segment)
    if (nested === undefined) break
    line = nested
    node = (node as Record<string, unknown>)[segment]
  }

  return { ...problem, file: found.file, ...(line === undefined ? {} : { line }) }
}

/** The top-level key a problem is about and the key path below it. */
function definedEntry(problem: CompileError, definitions: Definitions): { entry: string; path: string[] } | undefined {
  const key = problem.key ?? ''
  if (key.startsWith('jobs:')) {
    const rest = key.slice('jobs:'.length)
    // Job names may hold colons: the longest defined name that prefixes the key wins.
    const entry = [...definitions.keys()].filter((name) => rest === name || rest.startsWith(`${name}:`)).sort((a, b) => b.length - a.length)[0]

    return entry === undefined ? undefined : { entry, path: splitPath(rest.slice(entry.length + 1)) }
  }

  if (key === 'jobs') {
    const entry = /^jobs (.+) config should implement/.exec(problem.message)?.[1]

    return entry === undefined ? undefined : { entry, path: [] }
  }

  if (key === '') return undefined
  const [entry = '', ...path] = key.split(':')

  return { entry, path }
}

function splitPath(rest: string): string[] {
  return rest === '' ? [] : rest.split(':')
}
