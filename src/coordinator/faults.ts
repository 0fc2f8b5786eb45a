/** The queue of injected faults, consumed by matching requests in order. */
import { field } from './http.js'
import type { Fault, FaultAction, FaultEndpoint } from './types.js'

interface PendingFault {
  fault: Fault
  remaining: number
}

export class FaultQueue {
  private pending: PendingFault[] = []

  add(fault: Fault): void {
    const times = fault.times ?? 1
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`fault times must be a positive integer, got ${times}`)
    this.pending.push({ fault, remaining: times })
  }

  /** The action for this request, if a fault matches; the fault is used up by one. */
  take(endpoint: FaultEndpoint | 'discovery' | 'unknown', jobId: number | undefined, json: unknown): FaultAction | undefined {
    const match = this.pending.find(({ fault }) => {
      if (fault.endpoint !== endpoint) return false
      if (fault.jobId !== undefined && fault.jobId !== jobId) return false
      if (fault.onlyFinal === true) {
        const state = field(json, 'state')
        if (state !== 'success' && state !== 'failed') return false
      }

      return true
    })
    if (match === undefined) return undefined
    match.remaining--
    if (match.remaining === 0) this.pending = this.pending.filter((entry) => entry !== match)

    return match.fault.action
  }

  /** How many fault applications are still waiting (tests assert they were all used). */
  get size(): number {
    return this.pending.reduce((sum, entry) => sum + entry.remaining, 0)
  }
}
