/** The first lines of every job log (job-execution.md 3.2). */
import { GLRUNNER_REVISION, GLRUNNER_VERSION } from '../core/version.js'
import type { JobLog } from './job-log/types.js'
import { changedFeatureFlags, type FeatureFlags } from './variables/feature-flags.js'

export function writeHeader(log: JobLog, options: { runnerName: string; shortToken: string; systemId: string; flags: FeatureFlags }): void {
  log.println(`Running with glrunner ${GLRUNNER_VERSION} (${GLRUNNER_REVISION})`)
  if (options.shortToken !== '') log.println(`  on ${options.runnerName} ${options.shortToken}, system ID: ${options.systemId}`)

  const changed = changedFeatureFlags(options.flags)
  if (changed.length > 0) log.println(`  feature flags: ${changed.join(', ')}`)
}
