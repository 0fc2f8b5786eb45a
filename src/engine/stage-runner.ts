/**
 * Runs one stage inside its section: the cyan description, then the executor (for a
 * script) or the runner itself (cache, artifacts), with output streamed to the job log.
 */
import type { ShellName } from '../config/runner-config.js'
import type { Executor } from '../executors/executor.js'
import { SCRIPT_STREAM, type JobLog } from './job-log/types.js'
import { isPredefinedStage, stageDescription, type StageId } from './stages.js'

const CYAN = '\x1b[36;1m'
const RESET = '\x1b[0;m'

/** Runs `body` between the stage's section markers, after its description. */
export async function runSection(log: JobLog, stage: StageId, body: () => Promise<void>, description = stageDescription(stage)): Promise<void> {
  log.sectionStart(stage)
  try {
    log.println(`${CYAN}${description}${RESET}`)
    await body()
  } finally {
    log.sectionEnd(stage)
  }
}

export class StageRunner {
  constructor(
    private readonly log: JobLog,
    private readonly executor: Executor,
    private readonly shell: ShellName,
  ) {}

  /** Runs `body` between the stage's section markers, after its description. */
  section(stage: StageId, body: () => Promise<void>, description = stageDescription(stage)): Promise<void> {
    return runSection(this.log, stage, body, description)
  }

  /** A generated script stage. Rejects like Executor.run(). */
  async script(stage: StageId, script: string, signal: AbortSignal): Promise<void> {
    await this.section(stage, async () => {
      const stdout = this.log.stream(SCRIPT_STREAM, 'O')
      const stderr = this.log.stream(SCRIPT_STREAM, 'E')
      try {
        await this.executor.run({
          stage,
          script,
          shell: this.shell,
          predefined: isPredefinedStage(stage),
          stdout: (chunk) => stdout.write(chunk),
          stderr: (chunk) => stderr.write(chunk),
          signal,
        })
      } finally {
        stdout.flush()
        stderr.flush()
      }
    })
  }
}
