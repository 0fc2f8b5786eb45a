/**
 * Figure 3b: compile time of a generated 300-job .gitlab-ci.yml (stages, needs, extends,
 * rules, default) with compilePipeline, against parsing the same file with the `yaml`
 * package alone — the floor any compiler pays before doing real work.
 */
import { readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { compilePipeline } from '../../src/pipeline/index.js'
import { BenchError } from '../lib/bench-error.js'
import { makeRepository } from '../lib/bench-env.js'
import { measuredRow } from '../lib/rows.js'
import type { BenchContext, Figure, FigureRow } from '../lib/types.js'

const STAGES = ['prepare', 'build', 'test', 'package', 'deploy'] as const

/** A pipeline of `jobsPerStage` jobs in each of five stages, every job past the first stage with needs. */
export function generatePipeline(jobsPerStage: number): string {
  const lines = [
    `stages: [${STAGES.join(', ')}]`,
    'variables:',
    '  GLOBAL_FLAG: "on"',
    'default:',
    '  before_script: [echo default before]',
    '  interruptible: true',
    '.base:',
    '  script: [echo "$CI_JOB_NAME"]',
    '  variables: { BASE_LEVEL: "1" }',
    '  rules:',
    '    - if: $CI_COMMIT_BRANCH == "main"',
    '    - when: never',
    '.heavy:',
    '  extends: .base',
    '  artifacts: { paths: [out/], expire_in: 1 week }',
    '  variables: { HEAVY: "yes" }',
  ]
  for (let index = 0; index < jobsPerStage; index++) {
    const next = (index + 1) % jobsPerStage
    lines.push(`prepare-${index}:`, '  extends: .base', '  stage: prepare')
    lines.push(`build-${index}:`, '  extends: .heavy', '  stage: build', `  needs: [prepare-${index}]`)
    lines.push(`test-${index}:`, '  extends: .base', '  stage: test', `  needs: [build-${index}, build-${next}]`)
    lines.push(`package-${index}:`, '  extends: .heavy', '  stage: package', `  needs: [{ job: test-${index}, artifacts: true }]`)
    lines.push(`deploy-${index}:`, '  extends: .base', '  stage: deploy', `  needs: [package-${index}]`, '  when: manual', '  environment: production')
  }

  return `${lines.join('\n')}\n`
}

async function measure(ctx: BenchContext): Promise<FigureRow[]> {
  const runs = ctx.mode === 'full' ? 10 : ctx.mode === 'quick' ? 5 : 2
  const jobsPerStage = 60
  const dir = join(tmpdir(), `glrunner-bench-compile-${process.pid}-${Date.now()}`)
  await makeRepository(dir, { '.gitlab-ci.yml': generatePipeline(jobsPerStage) })
  try {
    const text = await readFile(join(dir, '.gitlab-ci.yml'), 'utf8')
    const compileMs: number[] = []
    const parseMs: number[] = []
    let jobCount = 0
    // One untimed round first: module loading and JIT warm-up are not compile time.
    await compilePipeline({ projectDir: dir })
    for (let run = 0; run < runs; run++) {
      let started = performance.now()
      const result = await compilePipeline({ projectDir: dir })
      compileMs.push(performance.now() - started)
      if (!result.ok) throw new BenchError(`the generated pipeline does not compile: ${JSON.stringify(result.errors.slice(0, 3))}`)
      jobCount = result.pipeline.jobs.length

      started = performance.now()
      parse(text)
      parseMs.push(performance.now() - started)
    }
    if (jobCount !== jobsPerStage * STAGES.length) throw new BenchError(`the compiled pipeline has ${jobCount} jobs, expected ${jobsPerStage * STAGES.length}`)

    return [
      measuredRow({
        id: 'compile',
        title: `compile a ${jobCount}-job pipeline`,
        unit: 'ms',
        glrunner: compileMs,
        baseline: { name: 'yaml parse of the same file', values: parseMs },
        notes: [`${(text.length / 1024).toFixed(0)} KiB .gitlab-ci.yml, stages/needs/extends/rules; in-process, after one warm-up compile`],
      }),
    ]
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export const pipelineCompileFigure: Figure = { id: 'compile', title: 'pipeline compile time', run: measure }
