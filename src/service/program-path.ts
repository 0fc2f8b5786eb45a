/**
 * The command a service runs to start this glrunner: the single binary itself, or Node
 * with the same flags and the same script (bin/glrunner of an installed package).
 */
import { realpathSync } from 'node:fs'

export async function isSingleBinary(): Promise<boolean> {
  try {
    const sea = (await import('node:sea')) as { isSea?: () => boolean }

    return sea.isSea?.() === true
  } catch {
    return false
  }
}

export async function glrunnerProgram(): Promise<string[]> {
  if (await isSingleBinary()) return [process.execPath]
  const script = process.argv[1]
  if (!script) return [process.execPath]

  return [process.execPath, ...process.execArgv, realpathSync(script)]
}
