/**
 * Per-job phase of compilation (spec §0 steps 10–11): rules or only/except per concrete job,
 * rule attributes, variables in GitLab's precedence, then the needs that must exist after
 * rule filtering, and empty stages removed.
 */
import type { GlobalConfig } from './config/global-config.js'
import { flattenScript, flattenRules } from './config/validate-common.js'
import {
  toAllowFailure,
  toArtifacts,
  toCaches,
  toEnvironment,
  toImage,
  toRetry,
  toServices,
  toTimeoutSeconds,
  toTrigger,
} from './config/job-fields.js'
import { fail } from './config-problem.js'
import { globalVariableList, hashVariables, type WorkflowOutcome } from './compile-workflow.js'
import { instancesByBase } from './graph/lint-graph.js'
import { needTargets, normalizeNeeds } from './graph/needs.js'
import type { Instance } from './graph/parallel.js'
import { clausesHold, type RuleContext } from './rules/clauses.js'
import { onlyExceptAllows } from './rules/only-except.js'
import type { RepoFacts } from './rules/repo-facts.js'
import type { JobWhen, MatchedRule, PipelinePlan, PlanJob, PlanNeed, PlanVariable } from './types.js'
import { isPlainObject } from './util/objects.js'
import { expandText, expandVariables, rawValues } from './variables/expand.js'
import { jobPredefinedVariables, pipelineVariables, type PipelineFacts } from './variables/predefined.js'

export interface ConcreteJob {
  hash: Record<string, unknown>
  stage: string
  instance: Instance
}

export interface BuildInputs {
  projectDir: string
  facts: PipelineFacts
  global: GlobalConfig
  concrete: ConcreteJob[]
  workflow: WorkflowOutcome
  preVariables: PlanVariable[]
  cliVariables: PlanVariable[]
  ruleBase: { repo: RepoFacts; file: string; warnings: string[] }
  warnings: string[]
}

interface Kept {
  job: ConcreteJob
  when: JobWhen
  startIn: string | undefined
  allowFailure: unknown
  needs: unknown
  interruptible: unknown
  ruleVariables: PlanVariable[]
  rule: MatchedRule | undefined
}

function inheritedGlobals(inputs: BuildInputs, hash: Record<string, unknown>): PlanVariable[] {
  const inherit = isPlainObject(hash.inherit) ? hash.inherit.variables : undefined
  if (inherit === false) return []
  if (Array.isArray(inherit)) return globalVariableList(inputs.global, (name) => inherit.includes(name))

  return globalVariableList(inputs.global)
}

/** Variables of a job, lowest precedence first; pipeline variables always last. */
function variableLayers(inputs: BuildInputs, job: ConcreteJob, predefined: PlanVariable[], ruleVariables: PlanVariable[]): PlanVariable[] {
  const matrix = Object.entries(job.instance.matrix ?? {}).map(([key, value]) => ({ key, value, raw: false }))
  const pre = inputs.preVariables.filter((variable) => !inputs.cliVariables.includes(variable))

  return [
    ...pre,
    ...predefined,
    ...inheritedGlobals(inputs, job.hash),
    ...inputs.workflow.variables,
    ...hashVariables(job.hash.variables),
    ...matrix,
    ...ruleVariables,
    ...inputs.cliVariables,
  ]
}

function jobPredefined(job: ConcreteJob): PlanVariable[] {
  return jobPredefinedVariables({ name: job.instance.name, stage: job.stage, nodeIndex: job.instance.nodeIndex, nodeTotal: job.instance.nodeTotal })
}

async function decide(inputs: BuildInputs, job: ConcreteJob, pipelineVars: PlanVariable[]): Promise<Kept | undefined> {
  const hash = job.hash
  const layers = variableLayers(inputs, job, [...pipelineVars, ...jobPredefined(job)], [])
  const expanded = expandVariables(layers)
  const ctx: RuleContext = { ...inputs.ruleBase, variables: rawValues(layers), lookup: (name) => expanded[name] }
  const jobWhen = (hash.when as JobWhen | undefined) ?? 'on_success'
  const base: Kept = {
    job,
    when: jobWhen,
    startIn: typeof hash.start_in === 'string' ? hash.start_in : undefined,
    allowFailure: hash.allow_failure,
    needs: hash.needs,
    interruptible: hash.interruptible,
    ruleVariables: [],
    rule: undefined,
  }

  const rules = flattenRules(hash.rules)
  if (rules === undefined) {
    const facts = { ref: inputs.facts.git.tag ?? inputs.facts.git.branch ?? '', isTag: inputs.facts.git.tag !== undefined, source: inputs.facts.source, projectPath: inputs.facts.git.projectPath }

    return (await onlyExceptAllows(hash, inputs.workflow.hasRules, facts, ctx)) ? base : undefined
  }

  for (const [index, rule] of rules.entries()) {
    if (!isPlainObject(rule) || !(await clausesHold(rule, ctx))) continue
    const when = (rule.when as JobWhen | 'never' | undefined) ?? jobWhen
    if (when === 'never') return undefined

    return {
      ...base,
      when,
      startIn: typeof rule.start_in === 'string' ? rule.start_in : undefined,
      allowFailure: rule.allow_failure ?? hash.allow_failure,
      needs: rule.needs ?? hash.needs,
      interruptible: rule.interruptible ?? hash.interruptible,
      ruleVariables: hashVariables(rule.variables),
      rule: { index, rule },
    }
  }

  return undefined
}

export async function buildJobs(inputs: BuildInputs): Promise<PipelinePlan> {
  const { facts, global, warnings } = inputs
  const pipelineVars = pipelineVariables(facts, inputs.workflow.name)
  const kept: Kept[] = []
  for (const job of inputs.concrete) {
    const decision = await decide(inputs, job, pipelineVars)
    if (decision !== undefined) kept.push(decision)
  }

  warnAboutRulesWhen(inputs)
  if (kept.length === 0) {
    const usesRules = inputs.concrete.some((job) => job.hash.rules !== undefined && job.hash.rules !== null)
    fail(inputs.ruleBase.file, usesRules
      ? 'Pipeline will not run for the selected trigger. The rules configuration prevented any jobs from being added to the pipeline.'
      : 'No stages / jobs for this pipeline.')
  }

  const jobs: PlanJob[] = []
  const names = new Set(kept.map((item) => item.job.instance.name))
  const instances = instancesByBase(kept.map((item) => item.job))
  for (const item of kept) jobs.push(await toPlanJob(inputs, item, pipelineVars, names, instances))

  const stages = global.stages.filter((stage) => jobs.some((job) => job.stage === stage))
  if (stages.every((stage) => stage === '.pre' || stage === '.post')) {
    fail(inputs.ruleBase.file, 'Pipeline will not run: only .pre/.post jobs remain')
  }
  jobs.sort((a, b) => stages.indexOf(a.stage) - stages.indexOf(b.stage))
  void warnings

  const plan: PipelinePlan = {
    stages,
    jobs,
    predefinedVariables: [...inputs.preVariables.filter((v) => !inputs.cliVariables.includes(v)), ...pipelineVars],
    pipelineVariables: inputs.cliVariables,
    autoCancelOnJobFailure: inputs.workflow.autoCancelOnJobFailure,
    git: facts.git,
  }
  if (inputs.workflow.name !== undefined) plan.name = inputs.workflow.name

  return plan
}

function resolveNeeds(item: Kept, names: Set<string>, instances: Map<string, string[]>, file: string): { needs?: PlanNeed[]; cross: PlanJob['crossNeeds'] } {
  const normalized = normalizeNeeds(item.needs)
  if (normalized === undefined) return { cross: [] }
  const jobName = item.job.instance.name
  const needs: PlanNeed[] = []
  const targets = normalized.needs.map((need) => ({ need, targets: needTargets(need, instances, names) }))
  const count = targets.reduce((sum, entry) => sum + entry.targets.length, 0)
  if (count > 50) fail(file, `${jobName}: one job can only need 50 others, but you have listed ${count}. See needs keyword documentation for more details`)

  for (const { need, targets: list } of targets) {
    for (const target of list) {
      if (!names.has(target)) {
        if (need.optional) continue
        fail(file, `'${jobName}' job needs '${target}' job, but '${target}' does not exist in the pipeline. This might be because of the only, except, or rules keywords. To need a job that sometimes does not exist in the pipeline, use needs:optional.`)
      }
      needs.push({ job: target, artifacts: need.artifacts, optional: need.optional })
    }
  }

  return { needs, cross: normalized.cross }
}

async function toPlanJob(inputs: BuildInputs, item: Kept, pipelineVars: PlanVariable[], names: Set<string>, instances: Map<string, string[]>): Promise<PlanJob> {
  const { job } = item
  const hash = job.hash
  const withoutEnv = variableLayers(inputs, job, [...pipelineVars, ...jobPredefined(job)], item.ruleVariables)
  const expanded = expandVariables(withoutEnv)
  const expand = (text: string): string => expandText(text, (name) => expanded[name])
  const environment = toEnvironment(hash.environment, expand)
  const predefined = jobPredefinedVariables({ name: job.instance.name, stage: job.stage, nodeIndex: job.instance.nodeIndex, nodeTotal: job.instance.nodeTotal, ...(environment === undefined ? {} : { environment }) })
  const variables = [...variableLayersDedup(variableLayers(inputs, job, [...pipelineVars, ...predefined], item.ruleVariables))]
  const { needs, cross } = resolveNeeds(item, names, instances, inputs.ruleBase.file)

  const plan: PlanJob = {
    name: job.instance.name,
    baseName: job.instance.baseName,
    stage: job.stage,
    script: flattenScript(hash.script),
    beforeScript: flattenScript(hash.before_script),
    afterScript: flattenScript(hash.after_script),
    variables,
    yamlVariables: Object.fromEntries(hashVariables(hash.variables).map((v) => [v.key, v.value])),
    services: toServices(hash.services),
    cache: await toCaches(hash.cache, inputs.projectDir, inputs.facts.git.sha),
    crossNeeds: cross,
    when: item.when,
    allowFailure: toAllowFailure(item.allowFailure, hash.when),
    retry: toRetry(hash.retry),
    interruptible: item.interruptible === true,
    tags: Array.isArray(hash.tags) ? (hash.tags as string[]) : [],
    nodeTotal: job.instance.nodeTotal,
  }
  const image = toImage(hash.image)
  if (image !== undefined) plan.image = image
  const artifacts = toArtifacts(hash.artifacts)
  if (artifacts !== undefined) plan.artifacts = artifacts
  if (needs !== undefined) plan.needs = needs
  if (Array.isArray(hash.dependencies)) {
    plan.dependencies = (hash.dependencies as string[]).flatMap((name) => (names.has(name) ? [name] : (instances.get(name) ?? [])))
  }
  if (item.startIn !== undefined) plan.startIn = item.startIn
  const timeout = toTimeoutSeconds(hash.timeout)
  if (timeout !== undefined) plan.timeoutSeconds = timeout
  if (environment !== undefined) plan.environment = environment
  if (typeof hash.resource_group === 'string') plan.resourceGroup = expand(hash.resource_group)
  if (typeof hash.coverage === 'string') plan.coverage = hash.coverage
  const trigger = toTrigger(hash.trigger, expand)
  if (trigger !== undefined) plan.trigger = trigger
  if (job.instance.nodeIndex !== undefined) plan.nodeIndex = job.instance.nodeIndex
  if (job.instance.matrix !== undefined) plan.matrix = job.instance.matrix
  if (item.rule !== undefined) plan.rule = item.rule

  return plan
}

/** One entry per key, the highest-precedence one, in first-seen order. */
function variableLayersDedup(list: PlanVariable[]): PlanVariable[] {
  const map = new Map<string, PlanVariable>()
  for (const variable of list) map.set(variable.key, variable)

  return [...map.values()]
}

/** spec §17.3: a last rule that is only `when:` (not never) without workflow:rules. */
function warnAboutRulesWhen(inputs: BuildInputs): void {
  if (inputs.workflow.hasRules) return
  const seen = new Set<string>()
  for (const job of inputs.concrete) {
    const rules = flattenRules(job.hash.rules)
    const last = rules?.[rules.length - 1]
    if (seen.has(job.instance.baseName) || !isPlainObject(last)) continue
    if (Object.keys(last).length === 1 && last.when !== undefined && last.when !== 'never') {
      seen.add(job.instance.baseName)
      inputs.warnings.push(`jobs:${job.instance.baseName} may allow multiple pipelines to run for a single action due to \`rules:when\` clause with no \`workflow:rules\` - read more: https://docs.gitlab.com/ee/ci/troubleshooting.html#pipeline-warnings`)
    }
  }
}
