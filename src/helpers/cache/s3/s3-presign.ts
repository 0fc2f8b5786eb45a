/**
 * Pre-signed S3 URLs (SigV4 query signing), made by the runner as the official runner makes
 * them for its helper: whoever holds the URL can do that one request on that one object
 * until it expires, and never sees the credentials. Signing is aws4's; choosing the
 * endpoint and the bucket addressing style is ours.
 */
import aws4 from 'aws4'
import type { S3CacheConfig } from '../cache-config.js'

export type S3Method = 'GET' | 'HEAD' | 'PUT'

export interface PresignedRequest {
  method: S3Method
  url: string
  /** Headers that were signed and must be sent exactly so (SSE, metadata). */
  headers: Record<string, string>
}

export interface PresignOptions {
  config: S3CacheConfig
  method: S3Method
  objectName: string
  /** How long the URL stays valid; S3 accepts 1 s to 7 days. */
  expiresSeconds: number
  /** Extra headers to sign (PUT metadata such as `x-amz-meta-cachekey`). */
  headers?: Readonly<Record<string, string>>
  /** Signing time; tests pin it. */
  now?: Date
}

const MAX_EXPIRES_SECONDS = 7 * 24 * 3600

export function presignS3Request(options: PresignOptions): PresignedRequest {
  const { config } = options
  const endpoint = s3Endpoint(config)
  const encodedKey = options.objectName.split('/').map(encodeURIComponent).join('/')
  const pathname = endpoint.virtualHost ? `/${encodedKey}` : `/${encodeURIComponent(config.bucketName)}/${encodedKey}`
  const expires = Math.min(Math.max(1, Math.round(options.expiresSeconds)), MAX_EXPIRES_SECONDS)
  const query = new URLSearchParams({ 'X-Amz-Expires': String(expires) })
  if (options.now !== undefined) query.set('X-Amz-Date', amzDate(options.now))

  const headers = { ...encryptionHeaders(config, options.method), ...options.headers }
  const signed = aws4.sign(
    {
      host: endpoint.host,
      path: `${pathname}?${query.toString()}`,
      method: options.method,
      service: 's3',
      region: regionOf(config),
      signQuery: true,
      headers: { ...headers },
    },
    {
      accessKeyId: config.accessKey,
      secretAccessKey: config.secretKey,
      ...(config.sessionToken === '' ? {} : { sessionToken: config.sessionToken }),
    },
  )

  return { method: options.method, url: `${endpoint.scheme}://${endpoint.host}${signed.path ?? pathname}`, headers }
}

/** The bucket's region; S3 servers other than AWS usually accept anything, AWS's default is us-east-1. */
export function regionOf(config: S3CacheConfig): string {
  return config.bucketLocation === '' ? 'us-east-1' : config.bucketLocation
}

export interface S3Endpoint {
  scheme: 'http' | 'https'
  host: string
  /** The bucket is in the host name (`bucket.s3.amazonaws.com`) rather than the path. */
  virtualHost: boolean
}

/**
 * AWS when no ServerAddress is set (dual-stack by default, as the official runner), the
 * given host otherwise. Virtual-host addressing is used only for AWS and only when the
 * bucket name is a valid host label, like minio-go's automatic lookup; `PathStyle` forces
 * path addressing, which is also what other S3 servers get.
 */
export function s3Endpoint(config: S3CacheConfig): S3Endpoint {
  const scheme = config.insecure ? 'http' : 'https'
  if (config.serverAddress !== '') {
    const aws = /(^|\.)amazonaws\.com(:\d+)?$/i.test(config.serverAddress)
    const virtualHost = aws && !config.pathStyle && dnsCompatible(config.bucketName, scheme)

    return { scheme, host: virtualHost ? `${config.bucketName}.${config.serverAddress}` : config.serverAddress, virtualHost }
  }

  const region = regionOf(config)
  let host = config.dualStack ? `s3.dualstack.${region}.amazonaws.com` : `s3.${region}.amazonaws.com`
  if (config.accelerate) host = config.dualStack ? 's3-accelerate.dualstack.amazonaws.com' : 's3-accelerate.amazonaws.com'
  const virtualHost = !config.pathStyle && (config.accelerate || dnsCompatible(config.bucketName, scheme))

  return { scheme, host: virtualHost ? `${config.bucketName}.${host}` : host, virtualHost }
}

/** A bucket name usable as a host label; with https a dot would break the wildcard certificate. */
function dnsCompatible(bucket: string, scheme: string): boolean {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) return false

  return scheme === 'http' || !bucket.includes('.')
}

function encryptionHeaders(config: S3CacheConfig, method: S3Method): Record<string, string> {
  if (method !== 'PUT' || config.serverSideEncryption === undefined) return {}

  const keyId = config.serverSideEncryptionKeyId
  switch (config.serverSideEncryption) {
    case 'S3':
      return { 'x-amz-server-side-encryption': 'AES256' }
    case 'KMS':
      return { 'x-amz-server-side-encryption': 'aws:kms', ...kmsKey(keyId) }
    case 'DSSE-KMS':
      return { 'x-amz-server-side-encryption': 'aws:kms:dsse', ...kmsKey(keyId) }
  }
}

function kmsKey(keyId: string): Record<string, string> {
  return keyId === '' ? {} : { 'x-amz-server-side-encryption-aws-kms-key-id': keyId }
}

/** `20130524T000000Z`. */
function amzDate(date: Date): string {
  return date.toISOString().replace(/[:-]|\.\d{3}/g, '')
}
