/**
 * Lines the cache and artifact libraries want shown in the job log. The libraries stay
 * silent (they never write anything themselves); the engine prints these in order.
 *
 * Two sources exist in the official runner and look different in the log:
 * - the generated script's own `notice`/`warning` echoes (bold green / yellow), and
 * - the helper binary's lines (cache-archiver, artifacts-uploader, …) in the helper
 *   format of job-execution.md 14.5, formatted by `formatHelperLine`.
 */

export type HelperLevel = 'debug' | 'info' | 'warning' | 'error'

export type ReportLine =
  /** A script notice: printed bold green like the job log's info primitive. */
  | { kind: 'notice'; message: string }
  /** A script warning: printed yellow with the `WARNING: ` prefix. */
  | { kind: 'warning'; message: string }
  /** A line the official helper binary would print; format with `formatHelperLine`. */
  | {
      kind: 'helper'
      level: HelperLevel
      message: string
      fields?: Readonly<Record<string, string>>
    }

export function notice(message: string): ReportLine {
  return { kind: 'notice', message }
}

export function scriptWarning(message: string): ReportLine {
  return { kind: 'warning', message }
}

export function helperInfo(message: string, fields?: Record<string, string>): ReportLine {
  return fields === undefined
    ? { kind: 'helper', level: 'info', message }
    : { kind: 'helper', level: 'info', message, fields }
}

export function helperWarning(message: string): ReportLine {
  return { kind: 'helper', level: 'warning', message }
}

export function helperError(message: string): ReportLine {
  return { kind: 'helper', level: 'error', message }
}

/** The texts of every warning-level line (script or helper), in order. */
export function warningsOf(lines: readonly ReportLine[]): string[] {
  return lines
    .filter((line) => line.kind === 'warning' || (line.kind === 'helper' && line.level !== 'info' && line.level !== 'debug'))
    .map((line) => line.message)
}

const RESET = '\x1b[0;m'
const LEVEL_STYLE: Record<HelperLevel, { colour: string; prefix: string }> = {
  debug: { colour: '\x1b[1;37m', prefix: '' },
  info: { colour: '', prefix: '' },
  warning: { colour: '\x1b[0;33m', prefix: 'WARNING: ' },
  error: { colour: '\x1b[31;1m', prefix: 'ERROR: ' },
}

/** Width the helper pads prefix + message to before its fields (job-execution.md 14.5). */
const MESSAGE_COLUMNS = 50

/**
 * One helper line as the official helper prints it, without the trailing newline:
 * colour, prefix, the message padded to 50 columns, reset, a space, then ` key=value`
 * for each field sorted by key (keys in the level colour).
 */
export function formatHelperLine(
  line: { level: HelperLevel; message: string; fields?: Readonly<Record<string, string>> },
  options: { colour?: boolean } = {},
): string {
  const style = LEVEL_STYLE[line.level]
  const useColour = (options.colour ?? true) && style.colour !== ''
  const padded = (style.prefix + line.message).padEnd(MESSAGE_COLUMNS)
  const head = useColour ? `${style.colour}${padded}${RESET} ` : `${padded} `
  const fields = Object.keys(line.fields ?? {})
    .sort()
    .map((key) => {
      const value = line.fields?.[key] ?? ''

      return useColour ? ` ${style.colour}${key}${RESET}=${value}` : ` ${key}=${value}`
    })

  return head + fields.join('')
}
