/** Every figure, in the order of issue #7. */
import type { Figure } from '../lib/types.js'
import { jobOverheadFigure } from './job-overhead.js'
import { logThroughputFigure } from './log-throughput.js'
import { pickupLatencyFigure } from './pickup-latency.js'
import { pipelineCompileFigure } from './pipeline-compile.js'

export const FIGURES: readonly Figure[] = [pickupLatencyFigure, jobOverheadFigure, pipelineCompileFigure, logThroughputFigure]
