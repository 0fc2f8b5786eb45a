/**
 * Lint-time checks of `needs` and `dependencies` on the expanded jobs, before any rule is
 * evaluated (spec §13.1, §13.2); GitLab stops at the first error.
 */
import type { ConcreteJob } from '../compile-jobs.js'
import { fail } from '../config-problem.js'
import { findCycle, needTargets, normalizeNeeds } from './needs.js'

export function instancesByBase(jobs: ConcreteJob[]): Map<string, string[]> {
  const map = new Map<string, string[]>()
  for (const job of jobs) {
    if (job.instance.name === job.instance.baseName) continue
    map.set(job.instance.baseName, [...(map.get(job.instance.baseName) ?? []), job.instance.name])
  }

  return map
}

export function lintGraph(jobs: ConcreteJob[], stages: string[], file: string): void {
  const byName = new Map(jobs.map((job) => [job.instance.name, job]))
  const names = new Set(byName.keys())
  const instances = instancesByBase(jobs)
  const stageIndex = (job: ConcreteJob): number => stages.indexOf(job.stage)
  const edges = new Map<string, string[]>()

  for (const job of jobs) {
    const name = job.instance.name
    const baseName = job.instance.baseName
    const dependencies = Array.isArray(job.hash.dependencies) ? (job.hash.dependencies as string[]) : []
    for (const dependency of dependencies) {
      const targets = instances.get(dependency) ?? [dependency]
      for (const target of targets) {
        const other = byName.get(target)
        if (other === undefined) fail(file, `${baseName} job: undefined dependency: ${dependency}`, { key: `jobs:${baseName}:dependencies` })
        if (stageIndex(other) > stageIndex(job)) {
          fail(file, `${baseName} job: dependency ${dependency} is not defined in current or prior stages`, { key: `jobs:${baseName}:dependencies` })
        }
      }
    }

    const normalized = normalizeNeeds(job.hash.needs)
    const targetsOfJob: string[] = []
    if (normalized !== undefined) {
      const seen = new Set<string>()
      const duplicated: string[] = []
      for (const need of normalized.needs) {
        const id = need.matrix === undefined ? need.job : `${need.job}:${JSON.stringify(need.matrix)}`
        if (seen.has(id)) duplicated.push(need.job)
        seen.add(id)
        if (need.optional) {
          targetsOfJob.push(...needTargets(need, instances, names).filter((target) => names.has(target)))
          continue
        }
        for (const target of needTargets(need, instances, names)) {
          const other = byName.get(target)
          if (other === undefined) fail(file, `${baseName} job: undefined need: ${need.matrix === undefined ? need.job : target}`, { key: `jobs:${baseName}:needs` })
          if (stageIndex(other) > stageIndex(job)) {
            fail(file, `${baseName} job: need ${need.job} is not defined in current or prior stages`, { key: `jobs:${baseName}:needs` })
          }
          targetsOfJob.push(target)
        }
      }
      if (duplicated.length > 0) fail(file, `${baseName} has the following needs duplicated: ${duplicated.join(', ')}.`)

      const written = new Set(normalized.needs.map((need) => need.job))
      for (const dependency of dependencies) {
        if (!written.has(dependency)) fail(file, `jobs:${baseName} dependencies the ${dependency} should be part of needs`)
      }
    }
    edges.set(name, targetsOfJob)
  }

  for (const [name, targets] of edges) {
    if (targets.includes(name)) fail(file, `The pipeline has circular dependencies: self-dependency: ${name}`)
  }
  const cycle = findCycle(edges)
  if (cycle !== undefined) {
    fail(file, `The pipeline has circular dependencies: topological sort failed: [${cycle.map((name) => JSON.stringify(name)).join(', ')}]`)
  }
}
