/**
 * Follows which stage a job is in by reading the section markers the engine writes into
 * its trace (`section_start:<unix s>:<name>`), so metrics need no hook inside the engine.
 * Stage names are mapped onto a closed set before they become label values: user steps
 * other than `script` and `release` count as `step_other`, and sections a script prints
 * itself are ignored, so a job cannot create new time series.
 */
import type { WritableTraceStore } from '../engine/job-log/types.js'
import { PREDEFINED_STAGES } from '../engine/stages.js'

export const TRACKED_STAGES = [
  'prepare_executor',
  'resolve_secrets',
  ...PREDEFINED_STAGES,
  'step_script',
  'step_release',
  'step_other',
  'after_script',
] as const

export type TrackedStage = (typeof TRACKED_STAGES)[number]

const KNOWN = new Set<string>(TRACKED_STAGES)
const MARKER = /section_(start|end):\d+:([A-Za-z0-9_.-]+)/g
/** A marker split across two appends is at most this long; older text is dropped. */
const CARRY_BYTES = 256

/** Maps a section name onto the closed stage set; undefined for sections that are not stages. */
export function trackedStage(section: string): TrackedStage | undefined {
  if (KNOWN.has(section) && section !== 'step_other') return section as TrackedStage
  if (section.startsWith('step_')) return 'step_other'

  return undefined
}

export interface StageEvents {
  /** A stage began; the previous one (if any) ended `durationMs` after it began. */
  stageStarted(stage: TrackedStage): void
  stageEnded(stage: TrackedStage, durationMs: number): void
}

/** Wraps a trace store; every append is passed on unchanged, then scanned for markers. */
export function trackStages(store: WritableTraceStore, events: StageEvents, now: () => number = Date.now): WritableTraceStore & { current(): TrackedStage | undefined } {
  let carry = ''
  let current: { stage: TrackedStage; startedAt: number } | undefined

  const scan = (text: string): void => {
    for (const match of text.matchAll(MARKER)) {
      const stage = trackedStage(match[2] ?? '')
      if (stage === undefined) continue
      if (match[1] === 'start') {
        if (current) events.stageEnded(current.stage, now() - current.startedAt)
        current = { stage, startedAt: now() }
        events.stageStarted(stage)
      } else if (current?.stage === stage) {
        events.stageEnded(stage, now() - current.startedAt)
        current = undefined
      }
    }
  }

  return {
    get size() {
      return store.size
    },
    read: (offset, maxBytes) => store.read(offset, maxBytes),
    checksum: () => store.checksum(),
    onAppend: (listener) => store.onAppend(listener),
    dispose: () => store.dispose(),
    append(bytes: Buffer) {
      store.append(bytes)
      const text = carry + bytes.toString('latin1')
      // A marker is complete once its line or its trailing ESC[0K was written.
      const clear = text.lastIndexOf('\x1b[0K')
      const cut = Math.max(text.lastIndexOf('\n'), clear < 0 ? -1 : clear + 3)
      if (cut < 0) {
        carry = text.slice(-CARRY_BYTES)

        return
      }
      scan(text.slice(0, cut + 1))
      carry = text.slice(cut + 1).slice(-CARRY_BYTES)
    },
    current: () => current?.stage,
  }
}
