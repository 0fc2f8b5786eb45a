/** workflow:rules and workflow:name (spec §10). */
import type { GlobalConfig } from './config/global-config.js'
import { flattenRules, variableIsRaw, variableValue } from './config/validate-common.js'
import { fail } from './config-problem.js'
import { clausesHold, type RuleContext } from './rules/clauses.js'
import type { RepoFacts } from './rules/repo-facts.js'
import type { PlanVariable } from './types.js'
import { isPlainObject } from './util/objects.js'
import { expandVariables, rawValues } from './variables/expand.js'

export interface WorkflowOutcome {
  hasRules: boolean
  variables: PlanVariable[]
  name: string | undefined
  autoCancelOnJobFailure: 'none' | 'all'
}

export interface WorkflowInputs {
  preVariables: PlanVariable[]
  cliVariables: PlanVariable[]
  ruleBase: { repo: RepoFacts; file: string; warnings: string[] }
}

export function globalVariableList(global: GlobalConfig, only?: (name: string) => boolean): PlanVariable[] {
  return [...global.variables].filter(([key]) => only === undefined || only(key)).map(([key, item]) => ({ key, value: item.value, raw: item.raw }))
}

export function hashVariables(value: unknown): PlanVariable[] {
  if (!isPlainObject(value)) return []

  return Object.entries(value).map(([key, item]) => ({ key, value: variableValue(item), raw: variableIsRaw(item) }))
}

export async function evaluateWorkflow(global: GlobalConfig, inputs: WorkflowInputs): Promise<WorkflowOutcome> {
  const workflow = global.workflow
  const rules = flattenRules(workflow?.rules)
  const base = [...inputs.preVariables.filter((v) => !inputs.cliVariables.includes(v)), ...globalVariableList(global), ...inputs.cliVariables]
  let variables: PlanVariable[] = []

  if (rules !== undefined) {
    const expanded = expandVariables(base)
    const ctx: RuleContext = { ...inputs.ruleBase, variables: rawValues(base), lookup: (name) => expanded[name] }
    let matched: Record<string, unknown> | undefined
    for (const rule of rules) {
      if (isPlainObject(rule) && (await clausesHold(rule, ctx))) {
        matched = rule
        break
      }
    }
    if (matched === undefined || matched.when === 'never') fail(inputs.ruleBase.file, 'Pipeline filtered out by workflow rules.')
    variables = hashVariables(matched.variables)
  }

  let name: string | undefined
  if (typeof workflow?.name === 'string') {
    const all = expandVariables([...base.filter((v) => !inputs.cliVariables.includes(v)), ...variables, ...inputs.cliVariables, { key: '__NAME__', value: workflow.name, raw: false }])
    name = all.__NAME__
  }
  const autoCancel = isPlainObject(workflow?.auto_cancel) ? workflow.auto_cancel.on_job_failure : undefined

  return { hasRules: rules !== undefined, variables, name, autoCancelOnJobFailure: autoCancel === 'all' ? 'all' : 'none' }
}
