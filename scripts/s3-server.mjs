#!/usr/bin/env node
// Starts the test S3 server (@20minutes/s3rver, a dev dependency) on 127.0.0.1 for trying
// the distributed cache by hand, and prints the [runners.cache] table to paste into
// config.toml. Ctrl-C stops it and removes its data directory.
//
//   node scripts/s3-server.mjs [--port 9000] [--bucket runner-cache]
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    bucket: { type: 'string', default: 'runner-cache' },
  },
})

const S3rver = createRequire(import.meta.url)('@20minutes/s3rver')
const directory = mkdtempSync(path.join(os.tmpdir(), 'glrunner-s3-'))
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(values.port),
  silent: false,
  directory,
  configureBuckets: [{ name: values.bucket }],
})
const { port } = await server.run()

console.log(`S3 server on 127.0.0.1:${port}, data in ${directory}

[runners.cache]
  Type = "s3"
  Shared = true
  [runners.cache.s3]
    ServerAddress = "127.0.0.1:${port}"
    AccessKey = "S3RVER"
    SecretKey = "S3RVER"
    BucketName = "${values.bucket}"
    Insecure = true
`)

const stop = async () => {
  await server.close()
  rmSync(directory, { recursive: true, force: true })
  process.exit(0)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
