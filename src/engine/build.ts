/**
 * Runs one job: header, stages, footer. Never throws; every failure becomes a BuildResult.
 * (First cut: the stage machinery lands in the following commits.)
 */
import { GLRUNNER_REVISION, GLRUNNER_VERSION } from '../core/version.js'
import type { BuildRequest, BuildResult } from './types.js'

export async function runBuild(request: BuildRequest): Promise<BuildResult> {
  try {
    request.trace.append(Buffer.from(`\x1b[0KRunning with glrunner ${GLRUNNER_VERSION} (${GLRUNNER_REVISION})\x1b[0;m\n`))
    request.trace.append(Buffer.from('\x1b[31;1mERROR: Job failed (system failure): job engine not implemented yet\x1b[0;m\n'))
  } catch {
    // The trace store refused bytes; the result still goes out.
  }

  return { state: 'failed', failureReason: 'runner_system_failure' }
}
