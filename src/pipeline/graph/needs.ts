/** `needs` and `dependencies`: normalization, lint checks and the cycle check (spec §13). */
import type { PlanCrossNeed } from '../types.js'
import { isPlainObject } from '../util/objects.js'
import { matrixCombinations, matrixInstanceName } from './parallel.js'

export interface NeedSpec {
  /** Name as written (base name, instance name or plain job). */
  job: string
  artifacts: boolean
  optional: boolean
  /** `needs:parallel:matrix` selections. */
  matrix?: Array<Record<string, string>>
}

export function normalizeNeeds(value: unknown): { needs: NeedSpec[]; cross: PlanCrossNeed[] } | undefined {
  if (!Array.isArray(value)) return undefined
  const needs: NeedSpec[] = []
  const cross: PlanCrossNeed[] = []
  for (const item of value) {
    if (typeof item === 'string') {
      needs.push({ job: item, artifacts: true, optional: false })
      continue
    }
    if (!isPlainObject(item)) continue
    const artifacts = item.artifacts !== false
    if (item.pipeline !== undefined || item.project !== undefined) {
      const need: PlanCrossNeed = { job: String(item.job ?? ''), artifacts }
      if (item.pipeline !== undefined) need.pipeline = String(item.pipeline)
      if (item.project !== undefined) need.project = String(item.project)
      if (item.ref !== undefined) need.ref = String(item.ref)
      cross.push(need)
      continue
    }
    const spec: NeedSpec = { job: String(item.job), artifacts, optional: item.optional === true }
    if (isPlainObject(item.parallel) && Array.isArray(item.parallel.matrix)) {
      spec.matrix = item.parallel.matrix.flatMap((entry) => (isPlainObject(entry) ? matrixCombinations(entry) : []))
    }
    needs.push(spec)
  }

  return { needs, cross }
}

/** Jobs of the pipeline a need names: an instance, a whole parallel job, or a matrix subset. */
export function needTargets(spec: NeedSpec, instances: ReadonlyMap<string, string[]>, names: ReadonlySet<string>): string[] {
  if (spec.matrix !== undefined) {
    return spec.matrix.map((combo) => matrixInstanceName(spec.job, combo))
  }
  if (names.has(spec.job)) return [spec.job]

  return instances.get(spec.job) ?? [spec.job]
}

/** A cycle among jobs, as names in order, or undefined. */
export function findCycle(edges: ReadonlyMap<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>()
  const path: string[] = []
  const visit = (node: string): string[] | undefined => {
    const mark = state.get(node)
    if (mark === 'done') return undefined
    if (mark === 'visiting') return path.slice(path.indexOf(node))
    state.set(node, 'visiting')
    path.push(node)
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next)
      if (cycle !== undefined) return cycle
    }
    path.pop()
    state.set(node, 'done')

    return undefined
  }

  for (const node of edges.keys()) {
    const cycle = visit(node)
    if (cycle !== undefined) return cycle
  }

  return undefined
}
