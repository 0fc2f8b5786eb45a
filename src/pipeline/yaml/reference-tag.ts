/**
 * A `!reference [a, b]` tag as loaded from YAML. It stays an opaque value through include
 * merging and `extends` (GitLab resolves references after both) and is replaced later.
 */
export class ReferenceTag {
  constructor(
    /** The tagged sequence's items; valid only when every item is a string. */
    readonly path: unknown[],
    readonly file: string,
    readonly line: number | undefined,
    /** False when the tag was put on something other than a sequence. */
    readonly wellFormed = true,
  ) {}

  /** `["a", "b"]`, the way GitLab prints the path in its messages. */
  describe(): string {
    return `[${this.path.map((item) => (typeof item === 'string' ? JSON.stringify(item) : String(item))).join(', ')}]`
  }
}

export function isReference(value: unknown): value is ReferenceTag {
  return value instanceof ReferenceTag
}
