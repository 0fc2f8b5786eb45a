/**
 * Loads the root CI file and its includes (spec §3): depth-first in `include` order, each file
 * interpolated with its inputs, included content deep-merged first and the including file
 * last. Only local files are read; other kinds need an offline mapping.
 */
import { readFile, stat } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { fail, PipelineConfigError } from '../config-problem.js'
import { applySpecInputs, copyInputs } from '../inputs/spec-inputs.js'
import { clausesHold, type RuleContext } from '../rules/clauses.js'
import { deepMerge, isPlainObject } from '../util/objects.js'
import { expandText } from '../variables/expand.js'
import { keyLine, loadYaml } from '../yaml/load-yaml.js'
import { readCiFile } from './ci-file.js'
import { containedPath, listFiles, localGlobToRegExp } from './local-files.js'

const MAX_INCLUDES = 150
const INCLUDE_KEYS = new Set(['local', 'remote', 'project', 'file', 'ref', 'template', 'component', 'artifact', 'job', 'rules', 'inputs', 'integrity', 'cache'])

export interface IncludeOptions {
  projectDir: string
  mappings: Record<string, string>
  /** Pre-pipeline variables for include:rules and locations. */
  rules: RuleContext
  warnings: string[]
}

/** Where `include:local` paths of a file are resolved. */
interface Origin {
  kind: 'local' | 'remote'
  rootDir: string
  /** Label of the project (for messages). */
  label: string
}

interface FileSource {
  display: string
  text: string
  origin: Origin
}

/**
 * Where each top-level key was last defined, for error locations; `value` is that file's
 * own mapping for the key, whose nested keys know their lines (keyLine).
 */
export type Definitions = Map<string, { file: string; line?: number; value?: unknown }>

export async function loadConfiguration(
  ciFile: string,
  rootInputs: Record<string, unknown> | undefined,
  options: IncludeOptions & { rootText?: string },
): Promise<{ config: Record<string, unknown>; definitions: Definitions }> {
  const text = options.rootText ?? (await readCiFile(options.projectDir, ciFile))

  const loader = new IncludeLoader(options)
  const origin: Origin = { kind: 'local', rootDir: options.projectDir, label: '' }
  const config = await loader.processFile({ display: ciFile, text, origin }, rootInputs, true)

  return { config, definitions: loader.definitions }
}

class IncludeLoader {
  private count = 0
  private readonly listings = new Map<string, Promise<string[]>>()
  readonly definitions: Definitions = new Map()

  constructor(private readonly options: IncludeOptions) {}

  async processFile(source: FileSource, inputs: Record<string, unknown> | undefined, isRoot: boolean): Promise<Record<string, unknown>> {
    const loaded = loadYaml(source.text, source.display)
    for (const tag of loaded.droppedTags) this.options.warnings.push(`${source.display}: unknown YAML tag ${tag} ignored`)
    if (!isRoot && (loaded.body === null || loaded.body === undefined) && loaded.header === undefined) {
      fail(source.display, `Local file \`${source.display}\` is empty!`)
    }
    const body = applySpecInputs(loaded.header, loaded.body, inputs, {
      file: source.display,
      prefix: isRoot ? '' : `\`${source.display}\`: `,
      expandVars: (value) => expandText(value, this.options.rules.lookup, { keepUnknown: true }),
    })
    if (!isPlainObject(body)) {
      if (isRoot) fail(source.display, 'Invalid configuration format')
      fail(source.display, `Included file \`${source.display}\` does not have valid YAML syntax!`)
    }

    const entries = normalizeIncludeList(body.include, source.display)
    let merged: unknown = {}
    for (const entry of entries) {
      if (!(await this.entryApplies(entry, source.display))) continue
      for (const file of await this.resolveEntry(entry, source)) {
        this.count += 1
        if (this.count > MAX_INCLUDES) fail(source.display, `Maximum of ${MAX_INCLUDES} nested includes are allowed!`)
        merged = deepMerge(merged, await this.processFile(file, copyInputs(entry.inputs), false))
      }
    }

    const own: Record<string, unknown> = { ...body }
    delete own.include
    for (const key of Object.keys(own)) {
      const line = keyLine(loaded.body, key)
      const value = isPlainObject(loaded.body) ? loaded.body[key] : undefined
      this.definitions.set(key, { file: source.display, ...(line === undefined ? {} : { line }), value })
    }

    return deepMerge(merged, own) as Record<string, unknown>
  }

  private async entryApplies(entry: Record<string, unknown>, file: string): Promise<boolean> {
    if (entry.rules === undefined) return true
    const rules = Array.isArray(entry.rules) ? entry.rules.flat(10) : []
    for (const rule of rules) {
      if (!isPlainObject(rule)) fail(file, 'include rule config should be a hash')
      const bad = Object.keys(rule).filter((key) => !['if', 'exists', 'changes', 'when'].includes(key))
      if (bad.length > 0) fail(file, `include:rule config contains unknown keys: ${bad.join(', ')}`)
      if (rule.when !== undefined && rule.when !== 'always' && rule.when !== 'never') {
        fail(file, `include:rule when unknown value: ${String(rule.when)}`)
      }
      if (await clausesHold(rule, { ...this.options.rules, file })) return rule.when !== 'never'
    }

    return false
  }

  private expand(text: string): string {
    const expanded = expandText(text, this.options.rules.lookup)
    if (expanded !== text && /\$\w|\$\{/.test(text)) {
      const unknown = [...text.matchAll(/\$\{?(\w+)\}?/g)].filter((m) => this.options.rules.lookup(m[1] ?? '') === undefined)
      for (const match of unknown) this.options.warnings.push(`include location uses unknown variable ${match[1] ?? ''}`)
    }

    return expanded
  }

  private async resolveEntry(entry: Record<string, unknown>, from: FileSource): Promise<FileSource[]> {
    if (typeof entry.local === 'string') {
      if (from.origin.kind === 'remote') fail(from.display, `Local file \`${entry.local}\` cannot be included from a remote file`)

      return this.resolveLocal(this.expand(entry.local), from.origin, from.display)
    }

    if (typeof entry.remote === 'string') return [await this.mapped(this.expand(entry.remote), [this.expand(entry.remote)], 'remote', from)]
    if (typeof entry.template === 'string') {
      return [await this.mapped(entry.template, [`template:${entry.template}`, entry.template], 'template', from)]
    }

    if (typeof entry.component === 'string') {
      const address = this.expand(entry.component)

      return [await this.mapped(address, [address, address.replace(/@[^@/]*$/, '')], 'component', from)]
    }

    if (typeof entry.project === 'string') return this.resolveProject(entry, from)
    if (typeof entry.artifact === 'string') {
      const key = `artifact:${String(entry.job)}:${entry.artifact}`
      if (this.options.mappings[key] === undefined) {
        fail(from.display, `Included file \`${entry.artifact}\`: include:artifact is only allowed in child pipelines (trigger:include)`)
      }

      return [await this.mapped(entry.artifact, [key], 'artifact', from)]
    }

    return fail(from.display, `Included file \`${JSON.stringify(entry)}\` does not have a valid include type`)
  }

  private checkExtension(location: string, file: string): void {
    if (!/\.ya?ml$/.test(location)) fail(file, `Included file \`${location}\` does not have YAML extension!`)
  }

  private async resolveLocal(rawPath: string, origin: Origin, file: string): Promise<FileSource[]> {
    const path = rawPath.replace(/^\/+/, '')
    if (path.includes('*')) {
      const pattern = localGlobToRegExp(path)
      let listing = this.listings.get(origin.rootDir)
      if (listing === undefined) {
        listing = listFiles(origin.rootDir)
        this.listings.set(origin.rootDir, listing)
      }
      const matches = (await listing).filter((candidate) => pattern.test(candidate)).sort()
      const sources: FileSource[] = []
      for (const match of matches) {
        this.checkExtension(match, file)
        sources.push(await this.readLocal(match, origin, file))
      }

      return sources
    }

    this.checkExtension(path, file)

    return [await this.readLocal(path, origin, file)]
  }

  private async readLocal(path: string, origin: Origin, file: string): Promise<FileSource> {
    const display = origin.label === '' ? path : `${origin.label}/${path}`
    const found = await containedPath(origin.rootDir, path)
    // GitLab's text first; the reason after it, since the file may well exist on disk.
    if (found.kind === 'outside') fail(file, `Local file \`${display}\` does not exist! It resolves to a path outside the repository.`)
    const info = found.kind === 'inside' ? await stat(found.realPath).catch(() => undefined) : undefined
    if (found.kind !== 'inside' || info === undefined || !info.isFile()) fail(file, `Local file \`${display}\` does not exist!`)
    const text = await readFile(found.realPath, 'utf8')
    if (text.split('\n').every((line) => /^\s*(?:#.*)?$/.test(line))) fail(file, `Local file \`${display}\` is empty!`)

    return { display, text, origin }
  }

  private async mapped(location: string, keys: string[], kind: string, from: FileSource): Promise<FileSource> {
    this.checkExtension(location.replace(/@[^@/]*$/, '.yml'), from.display)
    for (const key of keys) {
      const target = this.options.mappings[key]
      if (target === undefined) continue
      const full = isAbsolute(target) ? target : resolve(this.options.projectDir, target)
      const text = await readFile(full, 'utf8').catch(() => undefined)
      if (text === undefined) fail(from.display, `Included file \`${location}\` is mapped to \`${target}\`, which does not exist`)

      return { display: location, text, origin: { kind: kind === 'remote' ? 'remote' : 'local', rootDir: resolve(full, '..'), label: location } }
    }

    throw new PipelineConfigError([
      {
        file: from.display,
        message: `Included ${kind} file \`${location}\` is not available offline; map it to a local file (glrunner exec --include-map '${keys[0] ?? location}=<path>')`,
      },
    ])
  }

  private async resolveProject(entry: Record<string, unknown>, from: FileSource): Promise<FileSource[]> {
    const project = this.expand(String(entry.project))
    const files = Array.isArray(entry.file) ? entry.file : [entry.file]
    const sources: FileSource[] = []
    for (const rawFile of files) {
      if (typeof rawFile !== 'string') fail(from.display, `Included file \`${String(rawFile)}\` needs to be a string`)
      const file = this.expand(rawFile).replace(/^\/+/, '')
      this.checkExtension(file, from.display)
      const direct = this.options.mappings[`${project}:${file}`]
      const root = this.options.mappings[project]
      if (direct !== undefined) {
        sources.push(await this.mapped(`${project}:${file}`, [`${project}:${file}`], 'project', from))
      } else if (root !== undefined) {
        const rootDir = isAbsolute(root) ? root : resolve(this.options.projectDir, root)
        sources.push(await this.readLocal(file, { kind: 'local', rootDir, label: project }, from.display))
      } else {
        fail(from.display, `Project \`${project}\` file \`${file}\` is not available offline; map the project to a local checkout (glrunner exec --include-map '${project}=<directory>') or the file (--include-map '${project}:${file}=<path>')`)
      }
    }

    return sources
  }
}

function normalizeIncludeList(value: unknown, file: string): Record<string, unknown>[] {
  if (value === undefined || value === null) return []
  const list = Array.isArray(value) ? value : [value]

  return list.map((item) => {
    if (typeof item === 'string') return /^https?:\/\//.test(item) ? { remote: item } : { local: item }
    if (!isPlainObject(item)) fail(file, `Included file \`${String(item)}\` needs to be a string`)
    const unknown = Object.keys(item).filter((key) => !INCLUDE_KEYS.has(key))
    if (unknown.length > 0) fail(file, `include config contains unknown keys: ${unknown.join(', ')}`)
    for (const key of ['local', 'remote', 'template', 'component', 'file', 'project']) {
      const location = item[key]
      if (location !== undefined && typeof location !== 'string' && !(key === 'file' && Array.isArray(location))) {
        fail(file, `Included file \`${String(location)}\` needs to be a string`)
      }
    }

    return item
  })
}
