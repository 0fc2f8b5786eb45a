/**
 * How tests start the real CLI as a child process from any working directory: Node with
 * the tsx loader (resolved from this project, not from the child's cwd) on src/cli/main.ts.
 */
import { fileURLToPath } from 'node:url'

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url))
const tsxLoader = import.meta.resolve('tsx')
const cliEntry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

/** Arguments for `spawn(process.execPath, …)` that run `glrunner <args>`. */
export function glrunnerArgs(args: string[]): string[] {
  return ['--import', tsxLoader, cliEntry, ...args]
}
