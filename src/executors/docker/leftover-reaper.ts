/**
 * Start-up cleanup (issue 6): containers, networks and per-job volumes that carry glrunner's
 * job labels but whose owner process is gone (the runner crashed or was killed -9 before
 * its cleanup ran) are removed. Only objects glrunner labelled with its owner label are
 * considered; objects of this process (running jobs), of other live glrunner processes and
 * of other machines are left alone, and so are kept cache volumes (`reusable=true`).
 */
import type { ContainerClient, ListedObject } from './container-client.js'
import { LABEL_PREFIX, MANAGED_LABEL } from './job-names.js'
import { currentOwner, OWNER_LABEL, ownerState, parseOwner, type ProcessOwner } from './process-owner.js'

export interface ReapedObject {
  kind: 'container' | 'network' | 'volume'
  id: string
  jobId: string
}

export interface ReapReport {
  removed: ReapedObject[]
  /** Objects that should have gone but the engine refused (still in use, say). */
  failed: Array<ReapedObject & { error: string }>
}

const JOB_ID_LABEL = `${LABEL_PREFIX}.job.id`
const REUSABLE_LABEL = `${LABEL_PREFIX}.reusable`

/** True for an object of a job whose glrunner process no longer runs. */
export function isLeftover(labels: Record<string, string>, me: ProcessOwner = currentOwner()): boolean {
  if (labels[MANAGED_LABEL] !== 'true' || labels[JOB_ID_LABEL] === undefined) return false
  const owner = parseOwner(labels[OWNER_LABEL] ?? '')
  if (owner === undefined) return false

  return ownerState(owner, me) === 'gone'
}

/** Removes leftovers: containers first (they hold networks and volumes), then the rest. */
export async function reapLeftovers(client: ContainerClient, me: ProcessOwner = currentOwner()): Promise<ReapReport> {
  const report: ReapReport = { removed: [], failed: [] }
  const filters = [`${MANAGED_LABEL}=true`, OWNER_LABEL]
  const pick = (items: ListedObject[]): ListedObject[] => items.filter((item) => isLeftover(item.labels, me))

  const containers = pick(await client.listContainers(filters))
  await removeAll(report, 'container', containers, (id) => client.removeContainer(id))
  const networks = pick(await client.listNetworks(filters))
  await removeAll(report, 'network', networks, (id) => client.removeNetwork(id))
  // Kept cache volumes (and the fetch-strategy builds volume) outlive their jobs by design.
  const volumes = pick(await client.listVolumes(filters)).filter((item) => item.labels[REUSABLE_LABEL] !== 'true')
  await removeAll(report, 'volume', volumes, (id) => client.removeVolume(id))

  return report
}

async function removeAll(report: ReapReport, kind: ReapedObject['kind'], items: ListedObject[], remove: (id: string) => Promise<void>): Promise<void> {
  await Promise.all(items.map(async (item) => {
    const entry = { kind, id: item.id, jobId: item.labels[JOB_ID_LABEL] ?? '' }
    try {
      await remove(item.id)
      report.removed.push(entry)
    } catch (err) {
      report.failed.push({ ...entry, error: err instanceof Error ? err.message : String(err) })
    }
  }))
}
