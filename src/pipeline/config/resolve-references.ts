/**
 * `!reference [a, b, ...]` resolution (spec §1.3), run on the merged and extended hash.
 * A reference is replaced by the value at that path, itself resolved; loops and more than
 * 10 nested levels are errors.
 */
import { fail } from '../config-problem.js'
import { hasOwn, isPlainObject, setKey } from '../util/objects.js'
import { isReference, type ReferenceTag } from '../yaml/reference-tag.js'

const MAX_DEPTH = 10

export function resolveReferences(config: Record<string, unknown>, rootFile: string): Record<string, unknown> {
  const resolver = new Resolver(config, rootFile)

  return resolver.deep(config, []) as Record<string, unknown>
}

class Resolver {
  constructor(
    private readonly config: Record<string, unknown>,
    private readonly rootFile: string,
  ) {}

  deep(value: unknown, stack: string[]): unknown {
    if (isReference(value)) return this.resolve(value, stack)
    if (Array.isArray(value)) return value.map((item) => this.deep(item, stack))
    if (isPlainObject(value)) {
      const result: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(value)) setKey(result, key, this.deep(item, stack))

      return result
    }

    return value
  }

  private resolve(ref: ReferenceTag, stack: string[]): unknown {
    const file = ref.file || this.rootFile
    const line = ref.line
    const where = line === undefined ? {} : { line }
    const valid = ref.wellFormed && ref.path.length > 0 && ref.path.every((item) => typeof item === 'string')
    if (!valid) fail(file, `!reference ${ref.describe()} is not valid`, where)

    const id = ref.describe()
    if (stack.includes(id)) fail(file, `!reference ${id} is part of a circular chain`, where)
    if (stack.length >= MAX_DEPTH) fail(file, `!reference ${id} exceeds the maximum nesting depth`, where)

    const inner = [...stack, id]
    let current: unknown = this.config
    for (const step of ref.path as string[]) {
      if (isReference(current)) current = this.resolve(current, inner)
      if (!isPlainObject(current) || !hasOwn(current, step)) {
        fail(file, `!reference ${id} could not be found`, where)
      }
      current = current[step]
    }

    return this.deep(current, inner)
  }
}
