/**
 * compilePipeline: turns a checkout's .gitlab-ci.yml into a PipelinePlan, following GitLab's
 * phase order (spec §0): load and include, extends, !reference, defaults, validation,
 * workflow rules, parallel expansion, job rules, graph checks.
 */
import { resolve } from 'node:path'
import { readGlobalConfig } from './config/global-config.js'
import { applyDefaults } from './config/job-fields.js'
import { resolveExtends } from './config/resolve-extends.js'
import { resolveReferences } from './config/resolve-references.js'
import { PipelineConfigError } from './config-problem.js'
import { deriveGitContext } from './git-context.js'
import { lintGraph } from './graph/lint-graph.js'
import { expandParallel, interpolateMatrixNeeds } from './graph/parallel.js'
import { ciFilePath } from './include/ci-file.js'
import { type Definitions, loadConfiguration } from './include/expand-includes.js'
import { buildJobs, type ConcreteJob } from './compile-jobs.js'
import { evaluateWorkflow } from './compile-workflow.js'
import { locateProblem, withoutRepeatedPrefix } from './locate-problem.js'
import { createRepoFacts } from './rules/repo-facts.js'
import type { CompileError, CompileOptions, CompileResult, PipelinePlan, PlanVariable } from './types.js'
import { expandVariables, rawValues } from './variables/expand.js'
import { isPlainObject } from './util/objects.js'
import { prePipelineVariables, type PipelineFacts } from './variables/predefined.js'

export async function compilePipeline(options: CompileOptions): Promise<CompileResult> {
  const warnings: string[] = []
  const located: { definitions?: Definitions } = {}
  try {
    const pipeline = await compile(options, warnings, located)

    return { ok: true, pipeline, warnings }
  } catch (error) {
    if (error instanceof PipelineConfigError) {
      return { ok: false, errors: error.problems.map((problem) => withoutRepeatedPrefix(locateProblem(problem, located.definitions))), warnings }
    }
    throw error
  }
}

async function compile(options: CompileOptions, warnings: string[], located: { definitions?: Definitions }): Promise<PipelinePlan> {
  const projectDir = resolve(options.projectDir)
  const ciFile = await ciFilePath(projectDir, options.ciFile ?? '.gitlab-ci.yml')
  const source = options.source ?? 'push'
  const git = await deriveGitContext(projectDir, options.git, warnings)
  const facts: PipelineFacts = {
    git,
    source,
    ciFile,
    pipelineId: options.pipelineId ?? 1,
    pipelineIid: options.pipelineIid ?? 1,
    createdAt: options.createdAt ?? new Date(),
  }
  const cliVariables: PlanVariable[] = Object.entries(options.variables ?? {}).map(([key, value]) => ({ key, value, raw: false }))
  const preVariables = [...prePipelineVariables(facts), ...cliVariables]
  const preExpanded = expandVariables(preVariables)
  const repo = createRepoFacts(projectDir, git, source)
  const ruleBase = { repo, file: ciFile, warnings }

  const { config, definitions } = await loadConfiguration(ciFile, options.inputs, {
    projectDir,
    ...(options.ciContent === undefined ? {} : { rootText: options.ciContent }),
    mappings: options.includeMappings ?? {},
    rules: { ...ruleBase, variables: rawValues(preVariables), lookup: (name) => preExpanded[name] },
    warnings,
  })
  located.definitions = definitions
  resolveExtends(config, ciFile)
  const resolved = resolveReferences(config, ciFile)

  const problems: CompileError[] = []
  const global = readGlobalConfig(resolved, { add: (key, message) => problems.push({ file: ciFile, key, message }) })
  if (problems.length > 0) throw new PipelineConfigError(problems)

  const concrete: ConcreteJob[] = []
  const matrixErrors = new Set<string>()
  for (const [name, hash] of global.jobs) {
    const job = applyDefaults(hash, global.defaults)
    const stage = String(job.stage ?? job.type ?? 'test')
    if (!global.stages.includes(stage)) {
      throw new PipelineConfigError([
        { file: ciFile, key: `jobs:${name}:stage`, message: `${name} job: chosen stage ${stage} does not exist; available stages are ${global.stages.join(', ')}` },
      ])
    }
    for (const instance of expandParallel(name, job.parallel)) {
      if (instance.matrix === undefined || job.needs === undefined) {
        concrete.push({ hash: job, stage, instance })
        continue
      }
      const { needs, errors } = interpolateMatrixNeeds(job.needs, instance.matrix)
      for (const error of errors) matrixErrors.add(`${name} job: ${error}`)
      concrete.push({ hash: { ...job, needs }, stage, instance })
    }
  }
  // GitLab's normalizer reports each distinct interpolation error once, before the needs lint.
  if (matrixErrors.size > 0) throw new PipelineConfigError([...matrixErrors].map((message) => ({ file: ciFile, message })))
  lintGraph(concrete, global.stages, ciFile)

  const workflow = evaluateWorkflow(global, { preVariables, cliVariables, ruleBase })
  const outcome = await workflow
  const plan = await buildJobs({
    projectDir,
    facts,
    global,
    concrete,
    workflow: outcome,
    preVariables,
    cliVariables,
    ruleBase,
    warnings,
  })
  // What GitLab's merged YAML view shows besides jobs: global variables and workflow as written.
  if (isPlainObject(resolved.variables) && Object.keys(resolved.variables).length > 0) plan.yamlVariables = resolved.variables
  if (global.workflow !== undefined) plan.workflow = global.workflow

  return plan
}
