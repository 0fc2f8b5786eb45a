/** Every figure: issue #7's in its order, then the single binary's start-up (issue #9). */
import type { Figure } from '../lib/types.js'
import { artifactsFigure } from './artifacts.js'
import { concurrencyFigure } from './concurrency.js'
import { dockerExecutorFigure } from './docker-executor.js'
import { jobOverheadFigure } from './job-overhead.js'
import { localPipelineFigure } from './local-pipeline.js'
import { logThroughputFigure } from './log-throughput.js'
import { pickupLatencyFigure } from './pickup-latency.js'
import { pipelineCompileFigure } from './pipeline-compile.js'
import { sshOverheadFigure } from './ssh-overhead.js'
import { startupFigure } from './startup.js'

export const FIGURES: readonly Figure[] = [
  pickupLatencyFigure,
  jobOverheadFigure,
  localPipelineFigure,
  pipelineCompileFigure,
  logThroughputFigure,
  concurrencyFigure,
  artifactsFigure,
  dockerExecutorFigure,
  sshOverheadFigure,
  startupFigure,
]
