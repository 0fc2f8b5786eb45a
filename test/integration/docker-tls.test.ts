/**
 * `[runners.docker] host = "tcp://…"` with `tls_cert_path` and `tls_verify` against the real
 * engine, reached through a proxy on 127.0.0.1 (plain, or TLS requiring a client cert; see
 * test/helpers-docker/engine-proxy.ts). tls_verify = false with certificates is TLS without
 * checking the server; without certificates it is plain TCP (modem-options.ts).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError } from '../../src/core/errors.js'
import { createDockerExecutorProvider, createDockerodeClient } from '../../src/executors/docker/index.js'
import { modemOptions } from '../../src/executors/docker/modem-options.js'
import { scratchDir } from '../conformance/run-job.js'
import { BUSYBOX_IMAGE, dockerTestSkipReasonWith } from '../helpers/docker-images.js'
import {
  engineProxyUnavailableReason, makeEngineCerts, startPlainEngineProxy, startTlsEngineProxy, type EngineCerts, type EngineProxy,
} from '../helpers-docker/engine-proxy.js'
import { dockerJobPayload, runDockerJob } from '../helpers-docker/docker-job.js'

const skip = dockerTestSkipReasonWith(engineProxyUnavailableReason, 'engine TLS tests')
let certs: EngineCerts
let tlsProxy: EngineProxy
let plainProxy: EngineProxy

const ping = (host: string, tlsCertPath: string, tlsVerify: boolean): Promise<void> => createDockerodeClient({ host, tlsCertPath, tlsVerify }).ping()

describe('tcp:// engine hosts with tls_cert_path and tls_verify', { skip }, () => {
  before(async () => {
    certs = makeEngineCerts()
    tlsProxy = await startTlsEngineProxy(certs)
    plainProxy = await startPlainEngineProxy()
  })
  after(async () => {
    await tlsProxy?.close()
    await plainProxy?.close()
    certs?.remove()
  })

  test('tls_verify = true checks the server against ca.pem: the right CA connects, another CA is refused', async () => {
    await ping(tlsProxy.host, certs.certDir, true)
    const before = tlsProxy.connections()
    await assert.rejects(ping(tlsProxy.host, certs.wrongCaDir, true), /self[- ]signed|unable to verify|unable to get local issuer/i)
    assert.equal(tlsProxy.connections(), before, 'nothing reached the engine')
  })

  test('tls_verify = false with certificates is TLS with the client cert, without checking the server: a whole job runs', async () => {
    await ping(tlsProxy.host, certs.wrongCaDir, false)
    const before = tlsProxy.connections()
    const id = 79_000 + Math.floor(Math.random() * 1000) * 10
    const payload = dockerJobPayload({ id, image: BUSYBOX_IMAGE, script: ['echo "through $((20 + 22)) tls"'] })
    const runner = {
      executor: 'docker',
      docker: { host: tlsProxy.host, tls_cert_path: certs.wrongCaDir, tls_verify: false, pull_policy: ['if-not-present'], container_labels: { 'glrunner.test': '1' } },
    }
    const out = await runDockerJob({ payload, runner, provider: createDockerExecutorProvider() })
    assert.equal(out.result.state, 'success', out.text)
    assert.match(out.text, /\nthrough 42 tls\n/)
    assert.ok(tlsProxy.connections() > before, 'the job talked to the engine through the TLS proxy')
  })

  test('without certificates tls_verify = false is plain TCP and tls_verify = true is TLS', async () => {
    const before = plainProxy.connections()
    await ping(plainProxy.host, '', false)
    assert.ok(plainProxy.connections() > before)
    // TLS towards a plain-TCP endpoint cannot complete a handshake.
    await assert.rejects(ping(plainProxy.host, '', true))
    // Plain HTTP towards the TLS endpoint is dropped by the proxy's TLS server.
    await assert.rejects(ping(tlsProxy.host, '', false))
  })

  test('modem options: the verification switch, default ports, and a cert dir without certificates', () => {
    const scratch = scratchDir('glr-no-certs-')
    try {
      assert.deepEqual(modemOptions({ host: 'tcp://127.0.0.1', tlsCertPath: '', tlsVerify: false }), { host: '127.0.0.1', port: '2375', protocol: 'http' })
      const verified = modemOptions({ host: 'tcp://127.0.0.1', tlsCertPath: certs.certDir, tlsVerify: true })
      assert.equal(verified.port, '2376')
      assert.equal(verified.protocol, 'https')
      assert.equal(verified.agent?.options.rejectUnauthorized, true)
      assert.equal(modemOptions({ host: 'tcp://127.0.0.1:1', tlsCertPath: certs.certDir, tlsVerify: false }).agent?.options.rejectUnauthorized, false)
      assert.deepEqual(modemOptions({ host: 'unix:///run/x.sock', tlsCertPath: certs.certDir, tlsVerify: true }), { socketPath: '/run/x.sock' })
      assert.throws(() => modemOptions({ host: 'tcp://127.0.0.1', tlsCertPath: scratch.dir, tlsVerify: false }),
        (err: unknown) => err instanceof ConfigError && err.message.includes('holds none of ca.pem, cert.pem, key.pem'))
    } finally {
      scratch.remove()
    }
  })
})
