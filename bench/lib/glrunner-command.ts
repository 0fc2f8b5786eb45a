/**
 * How the bench starts glrunner: the built CLI (`node dist/cli/main.js`, what users run)
 * when dist/ is up to date with src/, else the sources through tsx (slower to start and
 * heavier, because tsx compiles in-process; the rows' notes say which was used).
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function newestMtimeMs(dir: string): number {
  let newest = 0
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const info = statSync(path)
    newest = Math.max(newest, info.isDirectory() ? newestMtimeMs(path) : info.mtimeMs)
  }

  return newest
}

export interface GlrunnerCommand {
  /** Arguments for `node` before glrunner's own arguments. */
  nodeArgs: string[]
  /** `dist` or `tsx`, for the notes. */
  kind: 'dist' | 'tsx'
}

export function glrunnerCommand(root: string): GlrunnerCommand {
  const built = join(root, 'dist', 'cli', 'main.js')
  try {
    if (statSync(built).mtimeMs >= newestMtimeMs(join(root, 'src'))) return { nodeArgs: [built], kind: 'dist' }
  } catch {
    // Not built: fall through to the sources.
  }

  return { nodeArgs: ['--import', 'tsx', join(root, 'src/cli/main.ts')], kind: 'tsx' }
}
