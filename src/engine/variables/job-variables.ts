/**
 * The job's ordered variable list. Lookups take the last entry with a key; scripts export
 * the list in order, duplicates included, so the last export wins there too.
 */
import { expandGo } from './expand.js'

export interface BuildVariable {
  key: string
  value: string
  public: boolean
  masked: boolean
  file: boolean
  raw: boolean
  /** Set by the runner itself (not user-defined). */
  internal?: boolean
}

/** A variable name a shell can export and a file name that stays inside `<tmp>`. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export function variable(key: string, value: string, extra: Partial<BuildVariable> = {}): BuildVariable {
  return { key, value, public: true, masked: false, file: false, raw: false, ...extra }
}

export class VariableList {
  constructor(readonly items: readonly BuildVariable[]) {}

  /** The last entry with `key`. */
  entry(key: string): BuildVariable | undefined {
    for (let index = this.items.length - 1; index >= 0; index--) {
      const item = this.items[index]
      if (item !== undefined && item.key === key) return item
    }

    return undefined
  }

  /** Value as a script would see it: file variables yield their path under `tmpDir`. */
  value(key: string, tmpDir?: string): string | undefined {
    const item = this.entry(key)
    if (item === undefined) return undefined
    if (item.file && tmpDir !== undefined) return `${tmpDir}/${item.key}`

    return item.value
  }

  /**
   * Expands every non-raw value once against the unexpanded list (one level deep, Go
   * os.Expand rules). A reference to a file variable yields its path.
   */
  expanded(tmpDir: string): VariableList {
    const lookup = (name: string): string | undefined => this.value(name, tmpDir)

    return new VariableList(
      this.items.map((item) => (item.raw ? item : { ...item, value: expandGo(item.value, lookup) })),
    )
  }

  /** Expands `text` against this list (for cache keys, image names, GIT_CLONE_PATH). */
  expand(text: string, tmpDir?: string): string {
    return expandGo(text, (name) => this.value(name, tmpDir))
  }

  with(...extra: BuildVariable[]): VariableList {
    return new VariableList([...this.items, ...extra])
  }

  /** Values to mask in the job log. */
  maskedValues(): string[] {
    return this.items.filter((item) => item.masked).map((item) => item.value)
  }
}
