/** `parallel: N` and `parallel:matrix` expansion with GitLab's instance names (spec §14). */
import { isPlainObject } from '../util/objects.js'

export interface Instance {
  name: string
  baseName: string
  nodeIndex: number | undefined
  nodeTotal: number
  matrix: Record<string, string> | undefined
}

function scalarText(value: unknown): string {
  return typeof value === 'number' ? String(value) : String(value ?? '')
}

/** Every combination of one matrix entry, first key varying slowest. */
export function matrixCombinations(entry: Record<string, unknown>): Array<Record<string, string>> {
  let combos: Array<Record<string, string>> = [{}]
  for (const [key, value] of Object.entries(entry)) {
    const values = (Array.isArray(value) ? value : [value]).map(scalarText)
    combos = combos.flatMap((combo) => values.map((item) => ({ ...combo, [key]: item })))
  }

  return combos
}

export function matrixInstanceName(base: string, combo: Record<string, string>): string {
  return `${base}: [${Object.values(combo).join(', ')}]`
}

export function expandParallel(name: string, parallel: unknown): Instance[] {
  if (typeof parallel === 'number') {
    return Array.from({ length: parallel }, (_, index) => ({
      name: `${name} ${index + 1}/${parallel}`,
      baseName: name,
      nodeIndex: index + 1,
      nodeTotal: parallel,
      matrix: undefined,
    }))
  }

  if (isPlainObject(parallel) && Array.isArray(parallel.matrix)) {
    const combos = parallel.matrix.flatMap((entry) => (isPlainObject(entry) ? matrixCombinations(entry) : []))

    return combos.map((combo, index) => ({
      name: matrixInstanceName(name, combo),
      baseName: name,
      nodeIndex: index + 1,
      nodeTotal: combos.length,
      matrix: combo,
    }))
  }

  return [{ name, baseName: name, nodeIndex: undefined, nodeTotal: 1, matrix: undefined }]
}
