/** Evaluation of one rule's clauses (`if`, `changes`, `exists`): all given must hold. */
import { fail } from '../config-problem.js'
import { isPlainObject } from '../util/objects.js'
import { expandText } from '../variables/expand.js'
import { evaluateExpression, parseExpression } from './expression.js'
import { fnmatcher, type RepoFacts } from './repo-facts.js'

const MAX_CHANGES_COMPARISONS = 50_000
const MAX_EXISTS_COMPARISONS = 10_000

export interface RuleContext {
  /** Unexpanded values, for `if`. */
  variables: ReadonlyMap<string, string>
  /** Expanded lookup, for `changes`/`exists` paths. */
  lookup: (name: string) => string | undefined
  repo: RepoFacts
  file: string
  warnings: string[]
}

export async function clausesHold(rule: Record<string, unknown>, ctx: RuleContext): Promise<boolean> {
  if (typeof rule.if === 'string') {
    // Syntax was validated before; a parse failure here means "does not match".
    let holds: boolean
    try {
      holds = evaluateExpression(parseExpression(rule.if), { variables: ctx.variables })
    } catch {
      holds = false
    }
    if (!holds) return false
  }

  if (rule.changes !== undefined && rule.changes !== null && !(await changesHold(rule.changes, ctx))) return false
  if (rule.exists !== undefined && rule.exists !== null && !(await existsHold(rule.exists, ctx))) return false

  return true
}

function pathList(value: unknown): string[] {
  const list = isPlainObject(value) ? value.paths : value
  if (typeof list === 'string') return [list]

  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : []
}

export async function changesHold(value: unknown, ctx: RuleContext): Promise<boolean> {
  const compareTo = isPlainObject(value) && typeof value.compare_to === 'string' ? expandText(value.compare_to, ctx.lookup) : undefined
  const changed = await ctx.repo.changedFiles(compareTo)
  if (changed === 'invalid-ref') fail(ctx.file, 'rules:changes:compare_to is not a valid ref')
  if (changed === 'all') return true

  return anyMatch(pathList(value), changed, ctx, MAX_CHANGES_COMPARISONS)
}

export async function existsHold(value: unknown, ctx: RuleContext): Promise<boolean> {
  if (isPlainObject(value) && value.project !== undefined) {
    ctx.warnings.push(`rules:exists:project (${String(value.project)}) cannot be checked offline; treated as false`)

    return false
  }

  return anyMatch(pathList(value), await ctx.repo.committedFiles(), ctx, MAX_EXISTS_COMPARISONS)
}

// GitLab gives up after a number of comparisons and then treats the clause as true.
function anyMatch(patterns: string[], files: string[], ctx: RuleContext, limit: number): boolean {
  let comparisons = 0
  for (const pattern of patterns) {
    const matcher = fnmatcher(expandText(pattern, ctx.lookup))
    for (const file of files) {
      comparisons += 1
      if (comparisons > limit) return true
      if (matcher(file)) return true
    }
  }

  return false
}
