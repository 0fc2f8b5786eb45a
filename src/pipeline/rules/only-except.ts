/** Legacy `only` / `except` (spec §11). */
import { isPlainObject } from '../util/objects.js'
import { changesHold, type RuleContext } from './clauses.js'
import { evaluateExpression, parseExpression } from './expression.js'
import { compileRe2 } from './re2-regexp.js'

const SOURCE_KEYWORDS: Record<string, string[]> = {
  api: ['api'],
  external: ['external'],
  pipelines: ['pipeline', 'parent_pipeline'],
  pushes: ['push'],
  schedules: ['schedule'],
  triggers: ['trigger'],
  web: ['web'],
  merge_requests: ['merge_request_event'],
  external_pull_requests: ['external_pull_request_event'],
  chat: ['chat'],
}

export interface RefFacts {
  ref: string
  isTag: boolean
  source: string
  projectPath: string
}

type Spec = { refs?: unknown; variables?: unknown; changes?: unknown; kubernetes?: unknown }

function toSpec(value: unknown): Spec | undefined {
  if (value === undefined || value === null) return undefined
  if (Array.isArray(value) || typeof value === 'string') return { refs: Array.isArray(value) ? value : [value] }

  return isPlainObject(value) ? value : undefined
}

function refMatches(entry: string, facts: RefFacts): boolean {
  const at = entry.lastIndexOf('@')
  let pattern = entry
  if (at > 0 && !entry.endsWith('/')) {
    const project = entry.slice(at + 1)
    if (project !== facts.projectPath) return false
    pattern = entry.slice(0, at)
  }

  const isMr = facts.source === 'merge_request_event'
  if (pattern === 'branches') return !facts.isTag && !isMr
  if (pattern === 'tags') return facts.isTag
  const sources = SOURCE_KEYWORDS[pattern]
  if (sources !== undefined) return sources.includes(facts.source)
  if (isMr) return false

  const regex = /^\/(.+)\/([ismU]*)$/s.exec(pattern)
  if (regex !== null) {
    try {
      return compileRe2(regex[1] ?? '', regex[2] ?? '').test(facts.ref)
    } catch {
      return false
    }
  }

  return pattern === facts.ref
}

function expressionHolds(expression: unknown, ctx: RuleContext): boolean {
  if (typeof expression !== 'string') return false
  try {
    return evaluateExpression(parseExpression(expression), { variables: ctx.variables })
  } catch {
    return false
  }
}

/** Each given clause of `only` must hold. */
async function onlyHolds(spec: Spec, facts: RefFacts, ctx: RuleContext): Promise<boolean> {
  if (spec.refs !== undefined && !(spec.refs as unknown[]).some((entry) => refMatches(String(entry), facts))) return false
  if (spec.variables !== undefined && !(spec.variables as unknown[]).some((item) => expressionHolds(item, ctx))) return false
  if (spec.changes !== undefined && !(await changesHold(spec.changes, ctx))) return false
  if (spec.kubernetes !== undefined) return false

  return true
}

/** One clause of `except` that holds excludes the job. */
async function exceptHolds(spec: Spec, facts: RefFacts, ctx: RuleContext): Promise<boolean> {
  if (spec.refs !== undefined && (spec.refs as unknown[]).some((entry) => refMatches(String(entry), facts))) return true
  if (spec.variables !== undefined && (spec.variables as unknown[]).some((item) => expressionHolds(item, ctx))) return true
  if (spec.changes !== undefined && (await changesHold(spec.changes, ctx))) return true

  return false
}

export async function onlyExceptAllows(
  job: Record<string, unknown>,
  hasWorkflowRules: boolean,
  facts: RefFacts,
  ctx: RuleContext,
): Promise<boolean> {
  let only = toSpec(job.only)
  if (only === undefined && !hasWorkflowRules) only = { refs: ['branches', 'tags'] }
  if (only !== undefined && !(await onlyHolds(only, facts, ctx))) return false
  const except = toSpec(job.except)

  return except === undefined || !(await exceptHolds(except, facts, ctx))
}
