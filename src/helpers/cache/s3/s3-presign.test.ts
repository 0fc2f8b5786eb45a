import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseCacheConfig, type S3CacheConfig } from '../cache-config.js'
import { presignS3Request, s3Endpoint } from './s3-presign.js'

function s3(table: Record<string, unknown>): S3CacheConfig {
  const config = parseCacheConfig({ Type: 's3', s3: table }).s3
  assert.ok(config)

  return config
}

// The pre-signed URL example of AWS's SigV4 documentation ("Authenticating Requests: Using
// Query Parameters"): its published signature checks the whole signing chain.
const awsExample = s3({
  ServerAddress: 's3.amazonaws.com',
  AccessKey: 'AKIAIOSFODNN7EXAMPLE',
  SecretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  BucketName: 'examplebucket',
})

describe('presignS3Request', () => {
  it('produces the signature AWS documents for its pre-signed GET example', () => {
    const signed = presignS3Request({
      config: awsExample,
      method: 'GET',
      objectName: 'test.txt',
      expiresSeconds: 86_400,
      now: new Date('2013-05-24T00:00:00Z'),
    })
    const url = new URL(signed.url)

    assert.equal(url.origin + url.pathname, 'https://examplebucket.s3.amazonaws.com/test.txt')
    assert.equal(url.searchParams.get('X-Amz-Credential'), 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request')
    assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'host')
    assert.equal(url.searchParams.get('X-Amz-Expires'), '86400')
    assert.equal(url.searchParams.get('X-Amz-Signature'), 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404')
  })

  it('never puts the secret key in the URL, and puts a session token in the query', () => {
    const signed = presignS3Request({
      config: { ...awsExample, sessionToken: 'session/token+1' },
      method: 'PUT',
      objectName: 'a b/c+d',
      expiresSeconds: 60,
    })
    const url = new URL(signed.url)

    assert.ok(!signed.url.includes('wJalrXUtnFEMI'))
    assert.equal(url.searchParams.get('X-Amz-Security-Token'), 'session/token+1')
    assert.equal(url.pathname, '/a%20b/c%2Bd')
  })

  it('signs the server-side encryption headers of a PUT and returns them to be sent', () => {
    const kms = presignS3Request({
      config: { ...awsExample, serverSideEncryption: 'KMS', serverSideEncryptionKeyId: 'key-1' },
      method: 'PUT',
      objectName: 'k',
      expiresSeconds: 60,
      headers: { 'x-amz-meta-cachekey': 'k' },
    })

    assert.deepEqual(kms.headers, {
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': 'key-1',
      'x-amz-meta-cachekey': 'k',
    })
    assert.equal(
      new URL(kms.url).searchParams.get('X-Amz-SignedHeaders'),
      'host;x-amz-meta-cachekey;x-amz-server-side-encryption;x-amz-server-side-encryption-aws-kms-key-id',
    )
    const get = presignS3Request({ config: { ...awsExample, serverSideEncryption: 'S3' }, method: 'GET', objectName: 'k', expiresSeconds: 60 })
    assert.deepEqual(get.headers, {})
  })

  it('caps the validity at the 7 days S3 accepts', () => {
    const signed = presignS3Request({ config: awsExample, method: 'GET', objectName: 'k', expiresSeconds: 30 * 24 * 3600 })

    assert.equal(new URL(signed.url).searchParams.get('X-Amz-Expires'), '604800')
  })
})

describe('s3Endpoint', () => {
  it('uses path addressing and the given scheme for a server other than AWS', () => {
    assert.deepEqual(s3Endpoint(s3({ ServerAddress: 'minio.local:9000', BucketName: 'cache', Insecure: true })), {
      scheme: 'http',
      host: 'minio.local:9000',
      virtualHost: false,
    })
  })

  it('uses the dual-stack AWS endpoint with the bucket in the host name by default', () => {
    assert.deepEqual(s3Endpoint(s3({ BucketName: 'cache', BucketLocation: 'eu-west-1' })), {
      scheme: 'https',
      host: 'cache.s3.dualstack.eu-west-1.amazonaws.com',
      virtualHost: true,
    })
  })

  it('honours PathStyle, DualStack = false and Accelerate', () => {
    assert.equal(s3Endpoint(s3({ BucketName: 'cache', PathStyle: true, DualStack: false })).host, 's3.us-east-1.amazonaws.com')
    assert.equal(s3Endpoint(s3({ BucketName: 'cache', Accelerate: true, DualStack: false })).host, 'cache.s3-accelerate.amazonaws.com')
  })

  it('falls back to path addressing for a bucket name with dots over https', () => {
    assert.equal(s3Endpoint(s3({ BucketName: 'my.cache', DualStack: false })).virtualHost, false)
  })
})
