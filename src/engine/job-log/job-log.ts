/**
 * One job's user-facing log: line primitives, sections and raw script streams, all through
 * the same chain: masking (per stream) -> timestamps -> output limit -> trace buffer.
 * Each job gets its own JobLog and nothing is shared between them, so concurrent jobs'
 * logs never mix.
 *
 * Choices where the spec leaves room:
 * - Script output is never decoded: invalid UTF-8 and binary bytes pass through as they are
 *   (the official runner's U+FFFD replacement is optional and would cost a decode pass).
 * - Runner messages and section markers use stream 00, type O, in timestamp headers.
 * - Section names outside `[a-zA-Z0-9_.-]` get `_` for each other character, since GitLab
 *   would show the marker as text otherwise.
 * - Runner messages are masked like script output (they may quote a secret's value).
 */
import { createMicroClock } from './clock.js'
import { MaskRules, StreamMasker } from './masker.js'
import { OutputLimiter } from './output-limit.js'
import { TimestampedStream, Timestamper } from './timestamper.js'
import {
  RUNNER_STREAM,
  type JobLog,
  type JobLogOptions,
  type LogStream,
  type SectionOptions,
  type WritableTraceStore,
} from './types.js'

const RESET = '\x1b[0;m'
const SECTION_SUFFIX = '\r\x1b[0K'

/** Creates the log of one job, writing into `trace`. */
export function createJobLog(trace: WritableTraceStore, options: JobLogOptions): JobLog {
  return new StreamingJobLog(trace, options)
}

/** GitLab only accepts `[a-zA-Z0-9_.-]+` as a section name; other bytes become `_`. */
export function sanitizeSectionName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_.-]/g, '_')

  return clean === '' ? '_' : clean
}

interface StreamState {
  masker: StreamMasker
  stamp: TimestampedStream
}

class StreamingJobLog implements JobLog {
  readonly #options: JobLogOptions
  readonly #rules: MaskRules
  readonly #limiter: OutputLimiter
  readonly #stamper: Timestamper | undefined
  readonly #runner: StreamState
  readonly #streams = new Map<string, { state: StreamState; handle: LogStream }>()
  #closed = false

  constructor(trace: WritableTraceStore, options: JobLogOptions) {
    this.#options = options
    this.#rules = new MaskRules(options.maskedValues, options.extraTokenPrefixes)
    this.#limiter = new OutputLimiter({
      trace,
      limitBytes: options.outputLimitBytes,
      onLimit: options.onOutputLimit,
    })
    this.#stamper = options.timestamps ? new Timestamper(createMicroClock(options.now)) : undefined
    this.#runner = this.#newState(RUNNER_STREAM, 'O')
  }

  get truncated(): boolean {
    return this.#limiter.truncated
  }

  println(text: string): void {
    this.#runnerText(`\x1b[0K${text}${RESET}\n`)
  }

  info(text: string): void {
    this.#runnerText(`\x1b[32;1m${text}${RESET}\n`)
  }

  warning(text: string): void {
    this.#runnerText(`\x1b[0;33mWARNING: ${text}${RESET}\n`)
  }

  error(text: string): void {
    this.#runnerText(`\x1b[31;1mERROR: ${text}${RESET}\n`)
  }

  sectionStart(name: string, options: SectionOptions = {}): void {
    const flags: string[] = []
    if (options.collapsed === true) flags.push('collapsed=true')
    if (options.hideDuration === true) flags.push('hide_duration=true')
    const suffix = flags.length > 0 ? `[${flags.join(',')}]` : ''
    this.#section(`section_start:${this.#unixSeconds()}:${sanitizeSectionName(name)}${suffix}`)
  }

  sectionEnd(name: string): void {
    this.#section(`section_end:${this.#unixSeconds()}:${sanitizeSectionName(name)}`)
  }

  stream(streamId: number, type: 'O' | 'E'): LogStream {
    const key = `${streamId}:${type}`
    const existing = this.#streams.get(key)
    if (existing !== undefined) return existing.handle
    const state = this.#newState(streamId, type)
    const handle: LogStream = {
      write: (chunk) => this.#streamWrite(state, chunk),
      flush: () => this.#streamFlush(state),
    }
    this.#streams.set(key, { state, handle })

    return handle
  }

  addMaskedValue(value: string): void {
    this.#rules.add(value)
  }

  close(): void {
    if (this.#closed) return
    for (const { state } of this.#streams.values()) this.#streamFlush(state)
    this.#streamFlush(this.#runner)
    this.#closed = true
  }

  #newState(streamId: number, type: 'O' | 'E'): StreamState {
    return { masker: new StreamMasker(this.#rules), stamp: new TimestampedStream(streamId, type) }
  }

  #unixSeconds(): number {
    const now = this.#options.now?.() ?? new Date()

    return Math.floor(now.getTime() / 1000)
  }

  #accepting(): boolean {
    return !this.#closed && !this.#limiter.truncated
  }

  /** Runner messages are whole lines: masked and released at once. */
  #runnerText(text: string): void {
    if (!this.#accepting()) return
    const masker = this.#runner.masker
    const bytes = Buffer.from(text, 'utf8')
    this.#emit(this.#runner, Buffer.concat([masker.write(bytes), masker.flush()]))
  }

  #section(marker: string): void {
    if (!this.#options.sections || !this.#accepting()) return
    const masker = this.#runner.masker
    const bytes = Buffer.from(marker + SECTION_SUFFIX, 'utf8')
    const masked = Buffer.concat([masker.write(bytes), masker.flush()])
    if (this.#stamper === undefined) {
      this.#limiter.append([masked])

      return
    }
    // With timestamps a marker is an entry of its own; its `\r` must not split it.
    const out: Buffer[] = []
    this.#stamper.entry(this.#runner.stamp, masked, out)
    this.#limiter.append(out)
  }

  #streamWrite(state: StreamState, chunk: Buffer | string): void {
    if (!this.#accepting()) return
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    this.#emit(state, state.masker.write(bytes))
  }

  #streamFlush(state: StreamState): void {
    if (!this.#accepting()) return
    const out: Buffer[] = []
    const released = state.masker.flush()
    if (this.#stamper === undefined) {
      out.push(released)
    } else {
      this.#stamper.lines(state.stamp, released, out)
      this.#stamper.closeLineOf(state.stamp, out)
    }
    this.#limiter.append(out)
  }

  #emit(state: StreamState, bytes: Buffer): void {
    if (bytes.length === 0) return
    if (this.#stamper === undefined) {
      this.#limiter.append([bytes])

      return
    }
    const out: Buffer[] = []
    this.#stamper.lines(state.stamp, bytes, out)
    this.#limiter.append(out)
  }
}
