/** The shape of one entry in the coordinator's route table. */
import type { RouteContext } from '../http.js'
import type { RecordedRequest } from '../types.js'

export interface Route {
  method: string | string[]
  /** Matched against the path (no query); groups become `ctx.params`. */
  pattern: RegExp
  endpoint: NonNullable<RecordedRequest['endpoint']>
  /** The handler reads the body itself (uploads, git); it is not buffered first. */
  stream?: boolean
  /** Extracts the job id a fault's `jobId` is compared with. */
  jobIdParam?: number
  handler: (ctx: RouteContext) => Promise<void> | void
}
