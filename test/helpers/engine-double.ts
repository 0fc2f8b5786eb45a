/**
 * A stand-in for the job engine in the manager's scheduling and lifecycle tests: it writes
 * a few trace lines, "runs" for SLEEP_MS (a job variable), honours the abort and cancel
 * signals, and fails with EXIT_CODE when that variable is set. It gives those tests exact
 * timing in milliseconds; the end-to-end tests (manager-coordinator, manager-cli,
 * manager-run-command) use the real engine with the shell executor.
 */
import type { BuildRequest, BuildResult } from '../../src/engine/types.js'

export interface EngineDoubleLog {
  started: number[]
  running: number
  maxRunning: number
  requests: BuildRequest[]
}

export function engineDouble(): { runBuild: (request: BuildRequest) => Promise<BuildResult>; log: EngineDoubleLog } {
  const log: EngineDoubleLog = { started: [], running: 0, maxRunning: 0, requests: [] }

  const runBuild = async (request: BuildRequest): Promise<BuildResult> => {
    const variable = (key: string) => request.payload.variables.find((v) => v.key === key)?.value
    log.started.push(request.payload.id)
    log.requests.push(request)
    log.running++
    log.maxRunning = Math.max(log.maxRunning, log.running)
    try {
      request.trace.append(Buffer.from(`Running job ${request.payload.id}\n`))
      const output = variable('OUTPUT_BYTES')
      if (output) request.trace.append(Buffer.alloc(Number(output), 'x'))
      const outcome = await waitOrStop(Number(variable('SLEEP_MS') ?? '0'), request)
      if (outcome === 'aborted') return { state: 'failed', failureReason: 'job_canceled' }
      if (outcome === 'canceled') {
        request.trace.append(Buffer.from('Running after_script\n'))

        return { state: 'failed', failureReason: 'job_canceled' }
      }
      request.trace.append(Buffer.from('Job done\n'))
      const exitCode = Number(variable('EXIT_CODE') ?? '0')

      return exitCode === 0 ? { state: 'success' } : { state: 'failed', failureReason: 'script_failure', exitCode }
    } finally {
      log.running--
    }
  }

  return { runBuild, log }
}

function waitOrStop(ms: number, request: BuildRequest): Promise<'done' | 'aborted' | 'canceled'> {
  const { abort, cancel } = request.control
  if (abort.aborted) return Promise.resolve('aborted')

  return new Promise((resolve) => {
    const finish = (outcome: 'done' | 'aborted' | 'canceled') => {
      clearTimeout(timer)
      abort.removeEventListener('abort', onAbort)
      cancel.removeEventListener('abort', onCancel)
      resolve(outcome)
    }
    const onAbort = () => finish('aborted')
    const onCancel = () => finish('canceled')
    const timer = setTimeout(() => finish('done'), ms)
    abort.addEventListener('abort', onAbort)
    cancel.addEventListener('abort', onCancel)
  })
}
