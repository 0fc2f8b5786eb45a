/**
 * `npm run bench`: measures every figure of issue #7 against its baseline and prints a
 * table; also writes bench/results/latest.json, and bench/RESULTS.md after a full run of
 * every figure.
 *
 *   npm run bench                    full run (under 20 minutes)
 *   npm run bench -- --quick         smaller sizes, under 3 minutes (CI; never fails on slow numbers)
 *   npm run bench -- --only pickup,compile
 *   npm run bench -- --only compile --smoke --out /tmp/x.json   (the harness's own test)
 *
 * Exit status 1 only when a figure could not run (a job failed, a setup step broke),
 * never because a number is slow.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { formatError } from '../src/core/errors.js'
import { FIGURES } from './figures/index.js'
import { commit, machine, writeResults } from './lib/results-file.js'
import { updatesResultsMarkdown, writeResultsMarkdown } from './lib/results-markdown.js'
import { renderTable } from './lib/table.js'
import type { BenchContext, BenchMode, Figure, FigureRow } from './lib/types.js'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))

function selected(figure: Figure, only: string[]): boolean {
  return only.length === 0 || only.some((id) => id === figure.id || id.startsWith(`${figure.id}-`))
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      only: { type: 'string', default: '' },
      out: { type: 'string', default: resolve(root, 'bench/results/latest.json') },
    },
  })
  const mode: BenchMode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full'
  const only = (values.only ?? '').split(',').map((id) => id.trim()).filter((id) => id !== '')
  const unknown = only.filter((id) => !FIGURES.some((figure) => id === figure.id || id.startsWith(`${figure.id}-`)))
  if (unknown.length > 0) {
    console.error(`unknown figure ${unknown.join(', ')}; known: ${FIGURES.map((figure) => figure.id).join(', ')}`)

    return 2
  }

  const startedAt = new Date()
  const ctx: BenchContext = { mode, root, log: (message) => console.error(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)}s] ${message}`) }
  const rows: FigureRow[] = []
  let failed = false
  for (const figure of FIGURES.filter((candidate) => selected(candidate, only))) {
    ctx.log(`${figure.id}: ${figure.title}`)
    try {
      rows.push(...(await figure.run(ctx)))
    } catch (err) {
      failed = true
      ctx.log(`${figure.id} failed: ${formatError(err)}`)
      rows.push({ id: figure.id, title: figure.title, status: 'not available', reason: `the measurement failed: ${formatError(err)}` })
    }
  }

  console.log(`\nglrunner bench (${mode}), ${startedAt.toISOString()}\n`)
  console.log(renderTable(rows))
  await writeResults({ path: values.out as string, root, mode, startedAt, rows })
  console.log(`\nwritten to ${values.out}`)
  if (updatesResultsMarkdown(mode, only)) {
    const markdownPath = resolve(root, 'bench/RESULTS.md')
    const durationSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000)
    await writeResultsMarkdown({ path: markdownPath, startedAt, durationSeconds, commit: commit(root), machine: machine(), rows })
    console.log(`and to ${markdownPath}`)
  }

  return failed ? 1 : 0
}

process.exitCode = await main()
