import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, GlrunnerError } from '../../core/errors.js'
import { parseCacheConfig } from './cache-config.js'
import { createCacheStore } from './create-cache-store.js'
import { LocalCacheStore } from './local-cache-store.js'
import { S3CacheStore } from './s3/s3-cache-store.js'

const s3Table = { ServerAddress: '127.0.0.1:9000', AccessKey: 'AK', SecretKey: 'SK', BucketName: 'cache' }
const storeOptions = { localCacheDir: '/tmp/glrunner-cache-config-test', projectSlug: 'group/project', shortToken: 'AbCdEfGhI', projectId: 42 }

function configError(message: string) {
  return (error: unknown) => error instanceof ConfigError && error.message === message
}

describe('parseCacheConfig', () => {
  it('reads no table as a local-only cache with the official defaults', () => {
    assert.deepEqual(parseCacheConfig(undefined), {
      type: undefined,
      path: '',
      shared: false,
      maxUploadedArchiveSizeBytes: 0,
      s3: undefined,
    })
  })

  it('reads every [runners.cache] and [runners.cache.s3] key by its official name', () => {
    const config = parseCacheConfig({
      Type: 's3',
      Path: 'ci',
      Shared: true,
      MaxUploadedArchiveSize: 1_048_576,
      s3: {
        ...s3Table,
        SessionToken: 'ST',
        BucketLocation: 'eu-west-1',
        Insecure: true,
        PathStyle: true,
        DualStack: false,
        Accelerate: true,
        ServerSideEncryption: 'kms',
        ServerSideEncryptionKeyID: 'key-1',
      },
    })

    assert.deepEqual(config, {
      type: 's3',
      path: 'ci',
      shared: true,
      maxUploadedArchiveSizeBytes: 1_048_576,
      s3: {
        serverAddress: '127.0.0.1:9000',
        accessKey: 'AK',
        secretKey: 'SK',
        sessionToken: 'ST',
        bucketName: 'cache',
        bucketLocation: 'eu-west-1',
        insecure: true,
        pathStyle: true,
        dualStack: false,
        accelerate: true,
        authenticationType: 'access-key',
        serverSideEncryption: 'KMS',
        serverSideEncryptionKeyId: 'key-1',
        roleArn: '',
        uploadRoleArn: '',
      },
    })
  })

  it('defaults AuthenticationType to iam when no keys are given, and DualStack to true', () => {
    const s3 = parseCacheConfig({ Type: 's3', s3: { BucketName: 'cache' } }).s3

    assert.equal(s3?.authenticationType, 'iam')
    assert.equal(s3?.dualStack, true)
  })

  it('accepts a TOML integer parsed as bigint for MaxUploadedArchiveSize', () => {
    assert.equal(parseCacheConfig({ MaxUploadedArchiveSize: 5n }).maxUploadedArchiveSizeBytes, 5)
  })

  it('names the key and the value in every error', () => {
    assert.throws(() => parseCacheConfig({ Type: 'ftp' }), configError('[runners.cache] Type: unknown cache type "ftp"'))
    assert.throws(() => parseCacheConfig({ Shared: 'yes' }), configError('[runners.cache] Shared: expected true or false, got "yes"'))
    assert.throws(
      () => parseCacheConfig({ MaxUploadedArchiveSize: -1 }),
      configError('[runners.cache] MaxUploadedArchiveSize: expected a size in bytes (an integer, 0 for no limit), got -1'),
    )
    assert.throws(() => parseCacheConfig({ Type: 's3', s3: 'x' }), configError('[runners.cache] s3: expected a table ([runners.cache.s3]), got "x"'))
    assert.throws(() => parseCacheConfig({ Type: 's3', s3: { Insecure: 1 } }), configError('[runners.cache.s3] Insecure: expected true or false, got 1'))
    assert.throws(() => parseCacheConfig({ Type: 's3', s3: { BucketName: 7 } }), configError('[runners.cache.s3] BucketName: expected a string, got 7'))
    assert.throws(
      () => parseCacheConfig({ Type: 's3', s3: { ServerAddress: 'https://minio:9000' } }),
      configError('[runners.cache.s3] ServerAddress: expected host[:port] without a scheme, got "https://minio:9000"'),
    )
    assert.throws(
      () => parseCacheConfig({ Type: 's3', s3: { AuthenticationType: 'token' } }),
      configError('[runners.cache.s3] AuthenticationType: unknown value "token"'),
    )
    assert.throws(
      () => parseCacheConfig({ Type: 's3', s3: { ServerSideEncryption: 'rot13' } }),
      configError('[runners.cache.s3] ServerSideEncryption: unknown value "ROT13"'),
    )
  })
})

describe('createCacheStore', () => {
  it('gives the local store when [runners.cache] has no Type', () => {
    assert.ok(createCacheStore(undefined, storeOptions) instanceof LocalCacheStore)
    assert.ok(createCacheStore({ Path: 'ignored' }, storeOptions) instanceof LocalCacheStore)
  })

  it('gives the S3 store with the per-runner or shared object prefix', () => {
    const perRunner = createCacheStore({ Type: 's3', Path: 'ci', s3: s3Table }, storeOptions)
    const shared = createCacheStore({ Type: 's3', Shared: true, s3: s3Table }, storeOptions)

    assert.ok(perRunner instanceof S3CacheStore)
    assert.equal(perRunner.objectPrefix, 'ci/runner/AbCdEfGhI/project/42')
    assert.ok(shared instanceof S3CacheStore)
    assert.equal(shared.objectPrefix, 'project/42')
  })

  it('refuses what cannot work offline or is not built, naming the key', () => {
    const refused = (raw: Record<string, unknown>, code: string, message: string) =>
      assert.throws(() => createCacheStore(raw, storeOptions), (error: unknown) => {
        assert.ok(error instanceof GlrunnerError)
        assert.equal(error.code, code)
        assert.equal(error.message, message)
        assert.equal(error.failureReason, 'runner_configuration_error')

        return true
      })

    refused({ Type: 'gcs' }, 'GLR_CACHE_UNSUPPORTED', '[runners.cache] Type "gcs": not supported yet')
    refused({ Type: 'azure' }, 'GLR_CACHE_UNSUPPORTED', '[runners.cache] Type "azure": not supported yet')
    refused(
      { Type: 's3', s3: { BucketName: 'cache' } },
      'GLR_CACHE_UNSUPPORTED',
      '[runners.cache.s3] AuthenticationType "iam": not supported, it needs a cloud instance metadata service',
    )
    refused({ Type: 's3', s3: { ...s3Table, BucketName: '' } }, 'GLR_CONFIG', '[runners.cache.s3] BucketName: required when Type = "s3"')
    refused(
      { Type: 's3', s3: { ...s3Table, SecretKey: '', AuthenticationType: 'access-key' } },
      'GLR_CONFIG',
      '[runners.cache.s3] SecretKey: required when AuthenticationType = "access-key"',
    )
    refused({ Type: 's3', s3: { ...s3Table, UploadRoleARN: 'arn:aws:iam::1:role/x' } }, 'GLR_CACHE_UNSUPPORTED', '[runners.cache.s3] UploadRoleARN: not supported yet, it needs AWS STS')
  })
})
