import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { requireS3Server, S3_TEST_ACCESS_KEY, S3_TEST_SECRET_KEY, type S3TestServer } from '../helpers/s3-server.js'
import { PROJECT_PATH, startWorld, type World } from './engine-artifacts-harness.js'

const started = await requireS3Server()
const skip = 'skip' in started ? started.skip : false
const server = started as S3TestServer

const CACHE = [{ key: 'shared-deps', paths: ['vendor/'], policy: 'pull-push', when: 'on_success' }]

describe('distributed (S3) cache through whole jobs', { skip }, () => {
  let world: World

  before(async () => {
    world = await startWorld({}, {
      cache: {
        Type: 's3',
        Path: 'ci',
        Shared: true,
        s3: { ServerAddress: server.address, AccessKey: S3_TEST_ACCESS_KEY, SecretKey: S3_TEST_SECRET_KEY, BucketName: server.bucket, Insecure: true },
      },
    })
  })
  after(async () => {
    await world?.close()
    await server.close()
  })

  it('restores from the bucket what an earlier job uploaded, after the local cache is gone', async () => {
    const first = await world.run({ name: 'upload', cache: CACHE, script: ['mkdir -p vendor', 'echo from-s3 > vendor/dep.txt'] })
    assert.equal(first.record.state, 'success', first.text)
    assert.match(first.text, /Uploading cache\.zip to http:\/\/127\.0\.0\.1:\d+\/\S+\/ci\/project\/\d+\/shared-deps/)
    assert.match(first.text, /^Created cache$/m)

    // Another runner host: nothing local, only the bucket connects the two jobs.
    await rm(world.cacheDir, { recursive: true, force: true })
    const second = await world.run({ name: 'download', cache: CACHE, script: ['cat vendor/dep.txt'] })
    assert.equal(second.record.state, 'success', second.text)
    assert.match(second.text, /Downloading cache\.zip from http:\/\/127\.0\.0\.1:\d+\/\S+\/ci\/project\/\d+\/shared-deps/)
    assert.match(second.text, /\$ cat vendor\/dep.txt\nfrom-s3\n/)
    assert.doesNotMatch(second.text, /X-Amz-Signature|X-Amz-Credential/i, 'pre-signed queries never reach the log')
    assert.ok(existsSync(join(world.cacheDir, PROJECT_PATH, 'shared-deps', 'cache.zip')), 'the download is kept locally')
  })
})

describe('a distributed cache this runner cannot use', () => {
  let world: World

  before(async () => {
    world = await startWorld({}, { cache: { Type: 'gcs', gcs: { BucketName: 'b' } } })
  })
  after(async () => {
    await world.close()
  })

  it('is a warning, and the local cache still works', async () => {
    const first = await world.run({ name: 'save', cache: CACHE, script: ['mkdir -p vendor', 'echo local > vendor/dep.txt'] })
    assert.equal(first.record.state, 'success', first.text)
    assert.match(first.text, /WARNING: Distributed cache disabled, only the local cache is used: \[runners\.cache\] Type "gcs": not supported yet/)
    const second = await world.run({ name: 'restore', cache: CACHE, script: ['cat vendor/dep.txt'] })
    assert.match(second.text, /\$ cat vendor\/dep.txt\nlocal\n/)
  })
})
