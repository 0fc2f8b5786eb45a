/**
 * A real S3-compatible server for cache tests: @20minutes/s3rver (a maintained fork of
 * s3rver that verifies SigV4 signatures, header- and query-signed) in-process on
 * 127.0.0.1 port 0, with a temporary data directory and one bucket. Its one account is
 * S3RVER / S3RVER; any other key or secret gets 403 InvalidAccessKeyId or
 * SignatureDoesNotMatch, as AWS answers.
 *
 * `startS3Server` returns undefined with a reason when the server cannot start; callers
 * skip loudly, except under CI=true where `requireS3Server` throws instead.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'

export const S3_TEST_ACCESS_KEY = 'S3RVER'
export const S3_TEST_SECRET_KEY = 'S3RVER'

export interface S3TestServer extends AsyncDisposable {
  /** `127.0.0.1:<port>`, as `[runners.cache.s3] ServerAddress` wants it. */
  address: string
  bucket: string
  /** Where the server keeps buckets and objects. */
  dataDir: string
  close(): Promise<void>
}

interface S3rverInstance {
  run(): Promise<AddressInfo>
  close(): Promise<void>
  httpServer?: Server
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance

export async function startS3Server(options: { bucket?: string } = {}): Promise<S3TestServer | { unavailable: string }> {
  let S3rver: S3rverClass
  try {
    // Loaded at run time: a dev dependency without type declarations.
    S3rver = createRequire(import.meta.url)('@20minutes/s3rver') as S3rverClass
  } catch (error) {
    return { unavailable: `@20minutes/s3rver is not installed (${(error as Error).message}); run npm ci` }
  }

  const bucket = options.bucket ?? 'runner-cache'
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'glrunner-s3-'))
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dataDir,
    configureBuckets: [{ name: bucket }],
  })
  let address: AddressInfo
  try {
    address = await server.run()
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true })

    return { unavailable: `the S3 server did not start: ${(error as Error).message}` }
  }

  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    server.httpServer?.closeAllConnections()
    await server.close()
    await rm(dataDir, { recursive: true, force: true })
  }

  return { address: `127.0.0.1:${address.port}`, bucket, dataDir, close, [Symbol.asyncDispose]: close }
}

/**
 * The server, or undefined after printing why the caller should skip. Under CI=true a
 * server that cannot start is an error: CI must not pass by skipping.
 */
export async function requireS3Server(options: { bucket?: string } = {}): Promise<S3TestServer | { skip: string }> {
  const started = await startS3Server(options)
  if (!('unavailable' in started)) return started

  if (process.env.CI === 'true') throw new Error(`S3 server needed under CI=true: ${started.unavailable}`)
  const reason = `SKIPPED: no S3 server: ${started.unavailable}`
  console.warn(reason)

  return { skip: reason }
}
