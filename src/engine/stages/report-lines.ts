/**
 * Prints the lines the cache and artifact libraries return into the job log: script
 * notices and warnings with the runner's own primitives, helper lines in the helper
 * format (job-execution.md 14.5) on the script output stream, where the official
 * helper binary's output appears. Everything passes through the log's masking.
 */
import { formatHelperLine, type ReportLine } from '../../helpers/helper-log/report-line.js'
import { SCRIPT_STREAM, type JobLog } from '../job-log/types.js'

export function printReportLines(log: JobLog, lines: readonly ReportLine[]): void {
  for (const line of lines) {
    if (line.kind === 'notice') {
      log.info(line.message)
    } else if (line.kind === 'warning') {
      log.warning(line.message)
    } else {
      const stream = log.stream(SCRIPT_STREAM, 'O')
      stream.write(`${formatHelperLine(line)}\n`)
      // Flushed per line so helper lines stay in order with the runner's own lines.
      stream.flush()
    }
  }
}
