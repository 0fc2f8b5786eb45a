/**
 * Loads one CI file with Psych's semantics (spec §1): YAML 1.1 scalars, merge keys applied in
 * document order, last duplicate key wins, unknown local tags dropped, `!reference` kept as
 * a ReferenceTag, dates and `!ruby/` tags refused. The `yaml` package parses; this file
 * walks its node tree itself so those rules apply.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml'
import type { Document, Node as YamlNode, ParsedNode } from 'yaml'
import { fail } from '../config-problem.js'
import { isPlainObject, setKey } from '../util/objects.js'
import { resolvePlainScalar, resolveTaggedScalar, UnsafeClassError } from './psych-scalar.js'
import { ReferenceTag } from './reference-tag.js'

const MAX_DEPTH = 100
const MAX_NODES = 500_000
const MAX_BYTES = 2 * 1024 * 1024

/** Line of each key of each loaded mapping, for error messages. */
const keyLines = new WeakMap<object, Map<string, number>>()

export function keyLine(mapping: unknown, key: string): number | undefined {
  if (typeof mapping !== 'object' || mapping === null) return undefined

  return keyLines.get(mapping)?.get(key)
}

export interface LoadedYaml {
  /** The `spec:` header document, when the file has two documents. */
  header: Record<string, unknown> | undefined
  /** The body document (the only one for files without header). */
  body: unknown
  /** Local tags that were dropped, for warnings. */
  droppedTags: string[]
}

interface WalkState {
  file: string
  doc: Document.Parsed
  lines: LineCounter
  nodes: number
  droppedTags: string[]
}

export function loadYaml(text: string, file: string): LoadedYaml {
  if (Buffer.byteLength(text) > MAX_BYTES) fail(file, 'The parsed YAML is too big')

  const lines = new LineCounter()
  const docs = parseAllDocuments(text, {
    schema: 'failsafe',
    uniqueKeys: false,
    merge: false,
    lineCounter: lines,
    prettyErrors: false,
  })
  const list = Array.isArray(docs) ? docs : []
  for (const doc of list) {
    const error = doc.errors[0]
    if (error !== undefined) {
      const message = error.message.split(' at line ')[0]?.split('\n')[0] ?? error.message
      const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0])
      const where = pos === undefined ? '' : ` at line ${pos.line} column ${pos.col}`
      fail(file, `(${file}): ${message}${where}`, { line: pos?.line })
    }
  }

  const droppedTags: string[] = []
  const values = list.map((doc) => {
    const state: WalkState = { file, doc, lines, nodes: 0, droppedTags }
    try {
      return convert(doc.contents, state, 0)
    } catch (error) {
      if (error instanceof UnsafeClassError) fail(file, error.message)
      throw error
    }
  })

  if (values.length > 2) fail(file, `${file}: too many documents`)
  if (values.length === 2) {
    const header = values[0]
    if (!isPlainObject(header) || !('spec' in header)) {
      fail(file, `${file}: too many documents`)
    }

    return { header, body: values[1], droppedTags }
  }

  return { header: undefined, body: values[0] ?? null, droppedTags }
}

function lineOf(node: YamlNode | ParsedNode | null | undefined, state: WalkState): number | undefined {
  const start = node?.range?.[0]

  return start === undefined ? undefined : state.lines.linePos(start).line
}

function convert(node: unknown, state: WalkState, depth: number): unknown {
  if (depth > MAX_DEPTH) fail(state.file, 'The parsed YAML is too big')
  state.nodes += 1
  if (state.nodes > MAX_NODES) fail(state.file, 'The parsed YAML is too big')
  if (node === null || node === undefined) return null

  if (isAlias(node)) {
    const target = node.resolve(state.doc)
    if (target === undefined) {
      fail(state.file, `(${state.file}): found undefined alias ${node.source}`, {
        line: lineOf(node, state),
      })
    }

    return convert(target, state, depth + 1)
  }

  const tag = (node as { tag?: string }).tag
  if (tag !== undefined && tag.startsWith('!ruby/')) {
    throw new UnsafeClassError(tag.replace(/^!ruby\/\w+:?/, '') || tag)
  }

  if (isScalar(node)) return convertScalar(node.value, node.type, tag, state)
  if (isSeq(node)) {
    const items = node.items.map((item) => convert(item, state, depth + 1))
    if (tag === '!reference') return new ReferenceTag(items, state.file, lineOf(node, state))

    noteTag(tag, state)

    return items
  }

  if (isMap(node)) {
    if (tag === '!reference') return new ReferenceTag([], state.file, lineOf(node, state), false)
    noteTag(tag, state)

    return convertMap(node.items, state, depth)
  }

  return null
}

function noteTag(tag: string | undefined, state: WalkState): void {
  if (tag === undefined || tag.startsWith('tag:yaml.org,2002:')) return
  state.droppedTags.push(tag)
}

function convertScalar(value: unknown, type: string | undefined, tag: string | undefined, state: WalkState): unknown {
  const text = typeof value === 'string' ? value : String(value ?? '')
  if (tag === '!reference') return new ReferenceTag([], state.file, undefined, false)
  if (tag !== undefined && tag.startsWith('tag:yaml.org,2002:')) return resolveTaggedScalar(tag, text)
  noteTag(tag, state)
  if (type === 'PLAIN') return resolvePlainScalar(text)

  return text
}

type PairLike = { key: unknown; value: unknown }

function convertMap(items: PairLike[], state: WalkState, depth: number): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  const lines = new Map<string, number>()
  keyLines.set(result, lines)

  for (const pair of items) {
    const keyNode = pair.key
    const isMergeKey = isScalar(keyNode) && keyNode.type === 'PLAIN' && keyNode.value === '<<'
    const value = convert(pair.value, state, depth + 1)
    if (isMergeKey && mergeInto(result, value)) continue

    const key = keyToString(convert(keyNode, state, depth + 1))
    setKey(result, key, value)
    const line = lineOf(keyNode as YamlNode, state)
    if (line !== undefined) lines.set(key, line)
  }

  return result
}

/** Psych's merge: assign merged keys at the `<<` position; in a list, earlier maps win. */
function mergeInto(target: Record<string, unknown>, value: unknown): boolean {
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) setKey(target, key, item)

    return true
  }

  if (Array.isArray(value) && value.length > 0 && value.every((item) => isPlainObject(item))) {
    const combined: Record<string, unknown> = {}
    for (const item of [...value].reverse()) {
      for (const [key, entry] of Object.entries(item as Record<string, unknown>)) {
        delete combined[key]
        setKey(combined, key, entry)
      }
    }

    for (const [key, item] of Object.entries(combined)) setKey(target, key, item)

    return true
  }

  return false
}

function keyToString(key: unknown): string {
  if (key === null || key === undefined) return ''
  if (typeof key === 'string') return key
  if (typeof key === 'object') return JSON.stringify(key)

  return String(key)
}
