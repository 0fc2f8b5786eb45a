/**
 * Lowest-free slot numbers, for CI_CONCURRENT_ID (per runner token) and
 * CI_CONCURRENT_PROJECT_ID (per runner token and project): a job takes the smallest number
 * no running job holds, so build directories get reused.
 */
export class SlotAllocator {
  private readonly taken = new Map<string, Set<number>>()

  /** Takes the lowest free slot (from 0) under `key`. */
  acquire(key: string): number {
    let slots = this.taken.get(key)
    if (!slots) {
      slots = new Set()
      this.taken.set(key, slots)
    }
    let slot = 0
    while (slots.has(slot)) slot++
    slots.add(slot)

    return slot
  }

  release(key: string, slot: number): void {
    const slots = this.taken.get(key)
    slots?.delete(slot)
    if (slots?.size === 0) this.taken.delete(key)
  }
}
