/**
 * Contracts of the job log: what the engine writes into and what the trace uploader reads
 * from. Implementations live beside this file (trace-buffer.ts, job-log.ts, masker.ts,
 * timestamper.ts, output-limit.ts).
 *
 * Byte path: writer -> masking (phrases, URL params, token prefixes) -> timestamps ->
 * output limit -> TraceBuffer. Checksum and size cover exactly the bytes in the buffer.
 */

/** Append-only store of the bytes GitLab will receive, read by offset by the uploader. */
export interface TraceStore {
  /** Total bytes stored so far. */
  readonly size: number
  /** Up to `maxBytes` bytes starting at `offset` (fewer at the end, empty past it). */
  read(offset: number, maxBytes: number): Buffer
  /** `crc32:` + 8 lowercase hex digits over all stored bytes. */
  checksum(): string
  /** Calls `listener` after every append; returns a function that unsubscribes. */
  onAppend(listener: () => void): () => void
  /** Drops stored bytes (temp files); safe to call twice. */
  dispose(): void
}

/** The writable side, used by the job log implementation. */
export interface WritableTraceStore extends TraceStore {
  append(bytes: Buffer): void
}

/** Options for one job's log. */
export interface JobLogOptions {
  /** Values replaced by `[MASKED]` (trimmed, empty ones ignored). */
  maskedValues: string[]
  /** Extra token prefixes from the payload's `features.token_mask_prefixes`. */
  extraTokenPrefixes: string[]
  /** Prefix every line with the 32-byte timestamp header (FF_TIMESTAMPS). */
  timestamps: boolean
  /** Log size limit in bytes (output_limit KiB * 1024). */
  outputLimitBytes: number
  /** Emit section markers (payload `features.trace_sections`). */
  sections: boolean
  /** Clock, for tests. */
  now?: () => Date
  /**
   * Called once when output_limit is hit, so the caller can tell the operator in the process
   * log which setting to raise (the job log's notice is fixed by GitLab's format).
   */
  onOutputLimit?: (limitBytes: number) => void
}

/** Stream ids in the timestamp header: 00 = runner messages, 01 = job script output. */
export const RUNNER_STREAM = 0
export const SCRIPT_STREAM = 1

export interface SectionOptions {
  collapsed?: boolean
  hideDuration?: boolean
}

/** A byte sink for one output stream (stdout or stderr of a script). */
export interface LogStream {
  write(chunk: Buffer | string): void
  /** Releases bytes held back (a possible secret prefix, a partial line). */
  flush(): void
}

/**
 * What the engine writes the user-facing job log through. Every method ends a line the
 * way the official runner's primitives do (`ESC[0;m` before `\n`).
 */
export interface JobLog {
  /** `ESC[0K` + text + `ESC[0;m\n` */
  println(text: string): void
  /** `ESC[32;1m` + text + `ESC[0;m\n` */
  info(text: string): void
  /** `ESC[0;33mWARNING: ` + text + `ESC[0;m\n` */
  warning(text: string): void
  /** `ESC[31;1mERROR: ` + text + `ESC[0;m\n` */
  error(text: string): void
  /** `section_start:<unix s>:<name>[opts]\r ESC[0K` (nothing when sections are off). */
  sectionStart(name: string, options?: SectionOptions): void
  /** `section_end:<unix s>:<name>\r ESC[0K` */
  sectionEnd(name: string): void
  /** A raw byte stream for script output; `type` is O (stdout) or E (stderr). */
  stream(streamId: number, type: 'O' | 'E'): LogStream
  /** Adds a value to mask from now on (e.g. a resolved secret). */
  addMaskedValue(value: string): void
  /** Flushes every stream; after close() writes are ignored. */
  close(): void
  /** True once output_limit was hit and further output is discarded. */
  readonly truncated: boolean
}
