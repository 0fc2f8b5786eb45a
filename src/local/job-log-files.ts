/**
 * Where `glrunner exec` keeps each job's full raw log: one file per job and attempt under
 * the run's folder, named after the job so people find it, and never two jobs in one file
 * (`a b`, `a_b` and `a/b` all sanitise to `a_b`).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export class JobLogFiles {
  readonly #taken = new Set<string>()

  constructor(readonly dir: string) {}

  /** Writes `trace` for the job labelled `label`; returns the file's path. */
  async save(label: string, trace: Buffer): Promise<string> {
    const base = label.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || 'job'
    let name = `${base}.log`
    for (let index = 2; this.#taken.has(name); index++) name = `${base}-${index}.log`
    this.#taken.add(name)
    const path = join(this.dir, name)
    await writeFile(path, trace)

    return path
  }
}
