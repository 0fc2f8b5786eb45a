/**
 * Start-up time of the single binary (`glrunner --version`, dist/bin/glrunner from
 * `npm run build:binary`) against Node running the same bundle (dist/sea/glrunner.cjs):
 * what embedding costs or saves (the binary carries a V8 code cache of the bundle).
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { measuredRow, unavailable } from '../lib/rows.js'
import { timeCommand } from '../lib/timed-command.js'
import type { BenchContext, Figure, FigureRow } from '../lib/types.js'

const execFileAsync = promisify(execFile)

export const startupFigure: Figure = {
  id: 'startup',
  title: 'Single-binary start-up (glrunner --version) vs node running the bundle',
  async run(ctx: BenchContext): Promise<FigureRow[]> {
    const binary = join(ctx.root, 'dist', 'bin', 'glrunner')
    const bundle = join(ctx.root, 'dist', 'sea', 'glrunner.cjs')
    if (!existsSync(binary) || !existsSync(bundle)) {
      // Building the binary takes about a minute: the quick run (CI) measures it only when
      // it is already there.
      if (ctx.mode === 'quick') return [unavailable('startup', this.title, 'the single binary is not built (npm run build:binary); the quick run does not build it')]
      ctx.log('startup: building the single binary (npm run build:binary)')
      try {
        await execFileAsync(process.execPath, [join(ctx.root, 'scripts', 'build-binary.mjs')], { cwd: ctx.root, maxBuffer: 16 * 1024 * 1024 })
      } catch (err) {
        return [unavailable('startup', this.title, `building the binary failed: ${(err as Error).message.split('\n')[0]}`)]
      }
    }
    const runs = ctx.mode === 'full' ? 20 : ctx.mode === 'quick' ? 6 : 2
    const ours: number[] = []
    const base: number[] = []
    // Alternate the two so load on the machine hits both alike.
    for (let index = 0; index < runs; index++) {
      ours.push((await timeCommand(binary, ['--version'])).ms)
      base.push((await timeCommand(process.execPath, [bundle, '--version'])).ms)
    }

    return [
      measuredRow({
        id: 'startup',
        title: this.title,
        unit: 'ms',
        glrunner: ours,
        baseline: { name: `node ${process.version} dist/sea/glrunner.cjs`, values: base },
        notes: ['Wall time of one process start to exit, output discarded.'],
      }),
    ]
  },
}
