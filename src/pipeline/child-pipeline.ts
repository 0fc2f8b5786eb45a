/**
 * Child pipelines of `trigger:include` jobs (spec §13.6): the trigger's include list becomes
 * the child's root configuration, compiled with CI_PIPELINE_SOURCE=parent_pipeline.
 */
import { stringify } from 'yaml'
import { compilePipeline } from './compile.js'
import type { CompileOptions, CompileResult, PipelinePlan, PlanJob } from './types.js'
import { expandVariables } from './variables/expand.js'

export interface ChildPipelineOptions {
  /** Options the parent pipeline was compiled with. */
  parent: CompileOptions
  plan: PipelinePlan
  /** The trigger job. */
  bridge: PlanJob
  /** Files of `include:artifact` entries, keyed `<job>:<path>`, as local paths. */
  artifactFiles?: Record<string, string>
}

export async function compileChildPipeline(options: ChildPipelineOptions): Promise<CompileResult> {
  const { bridge, plan, parent } = options
  const trigger = bridge.trigger
  if (trigger === undefined || trigger.include.length === 0) {
    return { ok: false, warnings: [], errors: [{ file: parent.ciFile ?? '.gitlab-ci.yml', message: `${bridge.name}: not a child pipeline trigger` }] }
  }

  const mappings: Record<string, string> = { ...(parent.includeMappings ?? {}) }
  for (const [key, path] of Object.entries(options.artifactFiles ?? {})) mappings[`artifact:${key}`] = path
  const root = stringify({ include: trigger.include })

  const variables: Record<string, string> = {}
  if (trigger.forward.yamlVariables) {
    const predefined = new Set(plan.predefinedVariables.map((variable) => variable.key))
    // The bridge's list has the pipeline variables (--variable) layered on top; GitLab
    // forwards those only with `forward: pipeline_variables: true` (below). A key that is
    // both is left out here too, a simplification: the child gets neither value.
    const pipelineKeys = new Set(plan.pipelineVariables.map((variable) => variable.key))
    const expanded = expandVariables(bridge.variables)
    for (const variable of bridge.variables) {
      if (predefined.has(variable.key) || pipelineKeys.has(variable.key) || /^(?:CI|GITLAB)_/.test(variable.key) || variable.key === 'CI') continue
      variables[variable.key] = expanded[variable.key] ?? ''
    }
  }
  if (trigger.forward.pipelineVariables) for (const variable of plan.pipelineVariables) variables[variable.key] = variable.value

  return compilePipeline({
    ...parent,
    ciContent: root,
    includeMappings: mappings,
    variables,
    source: 'parent_pipeline',
    git: { ...(parent.git ?? {}), ...plan.git },
  })
}
