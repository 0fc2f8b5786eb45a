/**
 * Turns the raw job logs of a local pipeline into terminal output: each line prefixed with
 * its job name, the per-line timestamp headers and section markers removed (they are for
 * GitLab's viewer), colour kept on a TTY and stripped when piped. Lines of concurrent jobs
 * never interleave mid-line: a partial line is held until its newline arrives.
 */

// 32-byte timestamp header: `2026-05-20T10:15:30.123456Z 00O ` (+ or space at byte 31).
const TIMESTAMP_HEADER = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z [0-9a-f]{2}[OE][ +]/
const SECTION_MARKER = /section_(?:start|end):\d+:[A-Za-z0-9_.-]+(?:\[[^\]]*\])?\r\x1b\[0K/g
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g

const JOB_COLOURS = ['\x1b[36m', '\x1b[35m', '\x1b[34m', '\x1b[33m', '\x1b[32m', '\x1b[96m', '\x1b[95m', '\x1b[94m']

export interface PrinterOptions {
  colour: boolean
  write: (text: string) => void
  /**
   * A terminal: keep a status line (running jobs, progress) under the log, redrawn in
   * place; log lines are printed above it.
   */
  live?: boolean
}

const CLEAR_LINE = '\r\x1b[2K'

export class JobLogPrinter {
  readonly #pending = new Map<string, string>()
  readonly #colours = new Map<string, string>()
  /** Jobs whose log has timestamp headers (FF_TIMESTAMPS). */
  readonly #stamped = new Set<string>()
  #width: number
  #status = ''

  constructor(
    private readonly options: PrinterOptions,
    jobNames: string[],
  ) {
    this.#width = Math.min(40, Math.max(4, ...jobNames.map((name) => name.length)))
    jobNames.forEach((name, index) => this.#colours.set(name, JOB_COLOURS[index % JOB_COLOURS.length] ?? ''))
  }

  /** Feeds a chunk of one job's raw trace. */
  write(jobName: string, chunk: Buffer): void {
    const text = (this.#pending.get(jobName) ?? '') + chunk.toString('utf8')
    const lines = text.split('\n')
    this.#pending.set(jobName, lines.pop() ?? '')
    for (const line of lines) this.#printLine(jobName, line)
  }

  /** A line of glrunner's own (not from a job log), e.g. about a child pipeline. */
  message(text: string): void {
    this.#emit(text.endsWith('\n') ? text : `${text}\n`)
  }

  /** Replaces the status line (terminals only); an empty text removes it. */
  setStatus(text: string): void {
    if (!this.options.live) return
    const columns = process.stdout.columns ?? 100
    const shown = text.length > columns - 1 ? `${text.slice(0, columns - 2)}…` : text
    if (shown === this.#status) return
    this.options.write(`${CLEAR_LINE}${shown === '' ? '' : `\x1b[2m${shown}\x1b[0m`}`)
    this.#status = shown
  }

  #emit(text: string): void {
    if (!this.options.live || this.#status === '') return this.options.write(text)
    this.options.write(`${CLEAR_LINE}${text}\x1b[2m${this.#status}\x1b[0m`)
  }

  /** Prints whatever partial line a job left (at its end). */
  flush(jobName: string): void {
    const rest = this.#pending.get(jobName)
    this.#pending.delete(jobName)
    if (rest !== undefined && rest !== '') this.#printLine(jobName, rest)
  }

  #printLine(jobName: string, rawLine: string): void {
    // With timestamps every line has a header, so a line that is only the start of one is
    // where the log limit cut the log: not output. (Without timestamps "20" is output.)
    if (this.#stamped.has(jobName) && isCutHeader(rawLine)) return
    const withoutHeader = rawLine.replace(TIMESTAMP_HEADER, '')
    if (withoutHeader !== rawLine) this.#stamped.add(jobName)
    let line = withoutHeader.replace(SECTION_MARKER, '')
    // A line that only held a section marker is GitLab's folding, not output.
    if (line !== withoutHeader && line.replace(ANSI, '').trim() === '') return
    // A carriage return redraws the line on a terminal: keep only what is visible last.
    const lastReturn = line.lastIndexOf('\r')
    if (lastReturn >= 0) line = line.slice(lastReturn + 1)
    if (!this.options.colour) line = line.replace(ANSI, '')

    // Child pipeline jobs (`trigger > job`) appear later: widen the column for them.
    if (jobName.length > this.#width) this.#width = Math.min(40, jobName.length)
    const label = jobName.length > this.#width ? `${jobName.slice(0, this.#width - 1)}…` : jobName.padEnd(this.#width)
    const prefix = this.options.colour ? `${this.#colours.get(jobName) ?? ''}${label}\x1b[0m │ ` : `${label} | `
    this.#emit(`${prefix}${line}${this.options.colour ? '\x1b[0m' : ''}\n`)
  }
}

/** What each byte of a timestamp header may be: d digit, x hex digit, s O or E, else itself. */
const HEADER_SHAPE = 'dddd-dd-ddTdd:dd:dd.ddddddZ xxs'

/** A line that is only the start of a timestamp header (the output limit cut it there). */
function isCutHeader(line: string): boolean {
  if (line.length === 0 || line.length > HEADER_SHAPE.length) return false
  for (let index = 0; index < line.length; index++) {
    const shape = HEADER_SHAPE[index]
    const char = line[index] as string
    const fits = shape === 'd' ? /\d/.test(char) : shape === 'x' ? /[0-9a-f]/.test(char) : shape === 's' ? char === 'O' || char === 'E' : char === shape
    if (!fits) return false
  }

  return true
}
