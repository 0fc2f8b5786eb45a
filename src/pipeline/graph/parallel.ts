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
    // Two combinations can print the same name (`A: [x, x]`, or `{A: "x, y"}` next to
    // `{A: x, B: y}`). The spec (§14.2, §19) left this open and proposed rejecting it; GitLab's
    // normalizer instead stores each instance in a hash keyed by name, so duplicates collapse
    // silently: one job at the first occurrence's position, carrying the last occurrence's
    // variables and CI_NODE_INDEX, with CI_NODE_TOTAL still counting every combination.
    // glrunner does the same.
    const byName = new Map<string, Instance>()
    combos.forEach((combo, index) => {
      const instanceName = matrixInstanceName(name, combo)
      byName.set(instanceName, { name: instanceName, baseName: name, nodeIndex: index + 1, nodeTotal: combos.length, matrix: combo })
    })

    return [...byName.values()]
  }

  return [{ name, baseName: name, nodeIndex: undefined, nodeTotal: 1, matrix: undefined }]
}

const MATRIX_BLOCK = /\$\[\[\s*matrix\.([a-zA-Z0-9_-]+)\s*\]\]/g

/**
 * `$[[ matrix.NAME ]]` in a matrix job's `needs` (spec §13.1): every string in the needs is
 * given the consuming instance's value of NAME, so `build: [$[[ matrix.OS ]]]` pairs each
 * instance with the producer of the same OS. A name the instance's matrix lacks is an error
 * (`'NAME' does not exist in matrix configuration`, left in place as GitLab does). Jobs that
 * are not matrix jobs keep the text, which then fails the needs lint as an undefined need.
 */
export function interpolateMatrixNeeds(needs: unknown, matrix: Record<string, string>): { needs: unknown; errors: string[] } {
  const errors: string[] = []
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(MATRIX_BLOCK, (match, name: string) => {
        if (Object.hasOwn(matrix, name)) return matrix[name] ?? ''
        errors.push(`'${name}' does not exist in matrix configuration`)

        return match
      })
    }
    if (Array.isArray(value)) return value.map(walk)
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item)]))

    return value
  }

  return { needs: walk(needs), errors }
}
