/**
 * Where `glrunner exec` keeps each job's full raw log: one file per job under the run's
 * folder, named after the job so people find it, never two jobs in one file (`a b`, `a_b`
 * and `a/b` all sanitise to `a_b`), and an index, `jobs.json`, mapping job names to files.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export class JobLogFiles {
  readonly #taken = new Set<string>()
  readonly #index: Record<string, string> = {}

  constructor(readonly dir: string) {}

  /** Writes `trace` for the job labelled `label`; returns the file's path. */
  async save(label: string, trace: Buffer): Promise<string> {
    const base = label.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || 'job'
    let name = `${base}.log`
    for (let index = 2; this.#taken.has(name); index++) name = `${base}-${index}.log`
    this.#taken.add(name)
    this.#index[label] = name
    const path = join(this.dir, name)
    await writeFile(path, trace)
    await writeFile(join(this.dir, 'jobs.json'), `${JSON.stringify(this.#index, null, 2)}\n`)

    return path
  }
}
