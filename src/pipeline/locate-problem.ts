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

/**
 * Drops a message's leading file or key when the problem's fields already carry it: callers
 * print `<file>:<line>: <key>: <message>`. What remains is GitLab's own text after its
 * prefix: `jobs:build config contains unknown keys: x` becomes `config contains unknown
 * keys: x` under key `jobs:build`, and `(ci.yml): mapping values are not allowed…` loses
 * `(ci.yml): `.
 */
export function withoutRepeatedPrefix(problem: CompileError): CompileError {
  const prefixes = [`(${problem.file}): `, `\`${problem.file}\`: `, `${problem.file}: `]
  const key = problem.key ?? ''
  if (key !== '') prefixes.push(`${key}: `, `${key} `)
  if (key.startsWith('jobs:')) {
    // Job-level texts name the job alone: `build: unknown keys in extends`, `build job: …`.
    const rest = key.slice('jobs:'.length).split(':')
    for (let end = rest.length; end > 0; end--) {
      const name = rest.slice(0, end).join(':')
      prefixes.push(`${name}: `, `${name} job: `)
    }
  }

  const prefix = prefixes.find((candidate) => problem.message.startsWith(candidate) && problem.message.length > candidate.length)

  return prefix === undefined ? problem : { ...problem, message: problem.message.slice(prefix.length) }
}
