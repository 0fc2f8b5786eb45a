/** Starts a coordinator: resolves options, makes the data dir, listens. */
import { mkdtemp, mkdir, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Coordinator } from './coordinator.js'
import { CoordinatorError } from './errors.js'
import type { ResolvedOptions } from './http.js'
import { DEFAULT_ACK_TIMEOUT_MS, DEFAULT_JOB_TIMEOUT_GRACE_MS, DEFAULT_STALE_JOB_TIMEOUT_MS } from './job-reaper.js'
import type { CoordinatorOptions } from './types.js'

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) throw new CoordinatorError(`${name} must be a positive number of milliseconds, got ${value}`)

  return value
}

export async function startCoordinator(options: CoordinatorOptions = {}): Promise<Coordinator> {
  const ownsDataDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'glrunner-coordinator-')))
  await mkdir(dataDir, { recursive: true })
  const resolved: ResolvedOptions = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    dataDir,
    longPollSeconds: options.longPollSeconds ?? 0,
    traceUpdateIntervalSeconds: options.traceUpdateIntervalSeconds ?? 3,
    maxArtifactBytes: options.maxArtifactBytes,
    artifactsRedirect: options.artifactsRedirect ?? false,
    verifyPlainText: options.verifyPlainText ?? false,
    traceSizeLimitBytes: options.traceSizeLimitBytes,
    publicUrl: options.publicUrl,
    ackTimeoutMs: positive('ackTimeoutMs', options.ackTimeoutMs, DEFAULT_ACK_TIMEOUT_MS),
    staleJobTimeoutMs: positive('staleJobTimeoutMs', options.staleJobTimeoutMs, DEFAULT_STALE_JOB_TIMEOUT_MS),
    jobTimeoutGraceMs: options.jobTimeoutGraceMs ?? DEFAULT_JOB_TIMEOUT_GRACE_MS,
  }
  const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 0 })
  const coordinator = new Coordinator(server, resolved, ownsDataDir)
  try {
    await coordinator.listen()
  } catch (err) {
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true })
    throw new CoordinatorError(`starting the coordinator on ${resolved.host}:${resolved.port}`, { cause: err })
  }

  return coordinator
}
