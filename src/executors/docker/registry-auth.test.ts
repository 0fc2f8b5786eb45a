import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jobPayloadSchema, type JobPayload } from '../../gitlab/job-payload.js'
import { collectRegistryAuth, registryKey, resolveRegistryAuth, type ResolvedAuth } from './registry-auth.js'

const basic = (user: string, password: string): string => Buffer.from(`${user}:${password}`).toString('base64')
const authConfig = (auths: Record<string, unknown>): string => JSON.stringify({ auths })

function jobPayload(options: { authConfigs?: string[]; credentials?: Array<{ type: string; url: string; username: string; password: string }> }): JobPayload {
  return jobPayloadSchema.parse({
    id: 1,
    token: 'job-token',
    git_info: { repo_url: '', ref: 'main', sha: '', before_sha: '', ref_type: 'branch', refspecs: [], depth: 0 },
    variables: (options.authConfigs ?? []).map((value) => ({ key: 'DOCKER_AUTH_CONFIG', value })),
    credentials: options.credentials ?? [],
  })
}

function resolve(image: string, payload: JobPayload, homeDir: string, runnerEnvironment: string[] = []): ResolvedAuth | undefined {
  return resolveRegistryAuth(image, collectRegistryAuth({ payload, runnerEnvironment, homeDir }))
}

/** A home dir without .docker/config.json, so the runner user's real one never interferes. */
function withHome<T>(config: string | undefined, use: (home: string) => T): T {
  const home = mkdtempSync(join(tmpdir(), 'glr-auth-home-'))
  try {
    if (config !== undefined) {
      mkdirSync(join(home, '.docker'))
      writeFileSync(join(home, '.docker', 'config.json'), config)
    }

    return use(home)
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

test('registry keys with a scheme, an API path or capitals name the same host:port registry', () => {
  for (const key of ['127.0.0.1:5000', 'http://127.0.0.1:5000', 'HTTPS://127.0.0.1:5000/v2/', '127.0.0.1:5000/v1/', ' 127.0.0.1:5000 ']) {
    assert.equal(registryKey(key), '127.0.0.1:5000', key)
  }
  assert.equal(registryKey('Registry.Example.com:5050'), 'registry.example.com:5050')
  for (const key of ['https://index.docker.io/v1/', 'registry-1.docker.io', 'docker.io']) assert.equal(registryKey(key), 'docker.io', key)
})

test('DOCKER_AUTH_CONFIG credentials are found for a host:port image under any key form, and only for that port', () => {
  withHome(undefined, (home) => {
    const image = '127.0.0.1:5000/group/app:1'
    for (const key of ['127.0.0.1:5000', 'http://127.0.0.1:5000', '127.0.0.1:5000/v1/']) {
      const payload = jobPayload({ authConfigs: [authConfig({ [key]: { auth: basic('user', 'pa:ss') } })] })
      assert.deepEqual(resolve(image, payload, home), {
        credentials: { username: 'user', password: 'pa:ss', serveraddress: key },
        source: 'DOCKER_AUTH_CONFIG',
      })
    }
    for (const key of ['127.0.0.1:5001', '127.0.0.1', 'localhost:5000']) {
      const payload = jobPayload({ authConfigs: [authConfig({ [key]: { auth: basic('user', 'pass') } })] })
      assert.equal(resolve(image, payload, home), undefined, key)
    }
  })
})

test('Docker Hub images match Docker Hub keys, whichever alias the image or the key uses', () => {
  withHome(undefined, (home) => {
    const payload = jobPayload({ authConfigs: [authConfig({ 'https://index.docker.io/v1/': { username: 'hub', password: 'secret' } })] })
    for (const image of ['alpine', 'library/alpine:3', 'docker.io/library/alpine', 'index.docker.io/library/alpine']) {
      assert.equal(resolve(image, payload, home)?.credentials.username, 'hub', image)
    }
    assert.equal(resolve('quay.io/org/app', payload, home), undefined)
  })
})

test('the job variable comes first, then the runner user\'s config.json, then GitLab\'s credentials', () => {
  const registry = 'registry.example.com:5050'
  const image = `${registry}/g/p:1`
  const gitlab = [{ type: 'registry', url: registry, username: 'gitlab-ci-token', password: 'job-token' }]
  const fromFile = authConfig({ [registry]: { auth: basic('file-user', 'x') } })
  const fromVariable = authConfig({ [`https://${registry}`]: { auth: basic('variable-user', 'y') } })

  withHome(fromFile, (home) => {
    assert.equal(resolve(image, jobPayload({ authConfigs: [fromVariable], credentials: gitlab }), home)?.source, 'DOCKER_AUTH_CONFIG')
    const file = resolve(image, jobPayload({ credentials: gitlab }), home)
    assert.deepEqual(file, { credentials: { username: 'file-user', password: 'x', serveraddress: registry }, source: join(home, '.docker', 'config.json') })
  })
  withHome(undefined, (home) => {
    assert.deepEqual(resolve(image, jobPayload({ credentials: gitlab }), home), {
      credentials: { username: 'gitlab-ci-token', password: 'job-token', serveraddress: registry },
      source: 'GitLab',
    })
  })
})

test('a broken or unrelated DOCKER_AUTH_CONFIG falls through to the next source; the last definition wins', () => {
  withHome(undefined, (home) => {
    const image = 'registry.example.com/g/p'
    const gitlab = [{ type: 'registry', url: 'https://registry.example.com', username: 'ci', password: 't' }]
    assert.equal(resolve(image, jobPayload({ authConfigs: ['{not json'], credentials: gitlab }), home)?.source, 'GitLab')
    assert.equal(resolve(image, jobPayload({ authConfigs: [authConfig({ 'registry.example.com': { auth: Buffer.from('no-colon').toString('base64') } })], credentials: gitlab }), home)?.source, 'GitLab')
    const twice = jobPayload({ authConfigs: [authConfig({ 'registry.example.com': { auth: basic('first', '1') } }), authConfig({ 'registry.example.com': { auth: basic('last', '2') } })] })
    assert.equal(resolve(image, twice, home)?.credentials.username, 'last')
    const otherType = [{ type: 'other', url: 'registry.example.com', username: 'x', password: 'y' }]
    assert.equal(resolve(image, jobPayload({ credentials: otherType }), home), undefined)
  })
})

test('DOCKER_AUTH_CONFIG in [[runners]] environment comes after config.json and before GitLab; the job variable beats it', () => {
  const registry = 'registry.example.com:5050'
  const image = `${registry}/g/p:1`
  const gitlab = [{ type: 'registry', url: registry, username: 'gitlab-ci-token', password: 'job-token' }]
  const runnerEnv = [`OTHER=x`, `DOCKER_AUTH_CONFIG=${authConfig({ [registry]: { auth: basic('runner-user', 'r=1') } })}`]

  withHome(undefined, (home) => {
    assert.deepEqual(resolve(image, jobPayload({ credentials: gitlab }), home, runnerEnv), {
      credentials: { username: 'runner-user', password: 'r=1', serveraddress: registry },
      source: 'DOCKER_AUTH_CONFIG in [[runners]] environment',
    })
    const fromVariable = authConfig({ [registry]: { auth: basic('variable-user', 'y') } })
    assert.equal(resolve(image, jobPayload({ authConfigs: [fromVariable] }), home, runnerEnv)?.credentials.username, 'variable-user')
    // The last entry of the environment list wins, as in a shell.
    const twice = [...runnerEnv, `DOCKER_AUTH_CONFIG=${authConfig({ [registry]: { auth: basic('later', 'z') } })}`]
    assert.equal(resolve(image, jobPayload({}), home, twice)?.credentials.username, 'later')
  })
  withHome(authConfig({ [registry]: { auth: basic('file-user', 'x') } }), (home) => {
    assert.equal(resolve(image, jobPayload({ credentials: gitlab }), home, runnerEnv)?.credentials.username, 'file-user')
  })
})

test('an invalid DOCKER_AUTH_CONFIG gives one warning naming its source, never its value, and the next source is used', () => {
  const registry = 'registry.example.com'
  const gitlab = [{ type: 'registry', url: registry, username: 'ci', password: 't' }]
  withHome(undefined, (home) => {
    const cases: Array<{ job?: string; runner?: string; warning: string }> = [
      { job: '{"auths": secret-value', warning: 'Ignoring DOCKER_AUTH_CONFIG from the job variables: not valid JSON' },
      { job: '{"credsStore":"secret-value"}', warning: 'Ignoring DOCKER_AUTH_CONFIG from the job variables: no "auths" object' },
      { runner: 'secret-value', warning: 'Ignoring DOCKER_AUTH_CONFIG in [[runners]] environment: not valid JSON' },
      { runner: '["secret-value"]', warning: 'Ignoring DOCKER_AUTH_CONFIG in [[runners]] environment: no "auths" object' },
      { runner: '{"auths":"secret-value"}', warning: 'Ignoring DOCKER_AUTH_CONFIG in [[runners]] environment: no "auths" object' },
    ]
    for (const item of cases) {
      const payload = jobPayload({ authConfigs: item.job === undefined ? [] : [item.job], credentials: gitlab })
      const collected = collectRegistryAuth({ payload, runnerEnvironment: item.runner === undefined ? [] : [`DOCKER_AUTH_CONFIG=${item.runner}`], homeDir: home })
      assert.deepEqual(collected.warnings, [item.warning])
      assert.equal(resolveRegistryAuth(`${registry}/g/p`, collected)?.source, 'GitLab')
    }
    // Valid configs without an entry for the registry fall through without a word.
    const unrelated = collectRegistryAuth({ payload: jobPayload({ authConfigs: [authConfig({})] }), runnerEnvironment: [`DOCKER_AUTH_CONFIG=${authConfig({ 'other.example': { auth: basic('a', 'b') } })}`], homeDir: home })
    assert.deepEqual(unrelated.warnings, [])
  })
  withHome('{broken', (home) => {
    assert.deepEqual(collectRegistryAuth({ payload: jobPayload({}), runnerEnvironment: [], homeDir: home }).warnings, [`Ignoring ${join(home, '.docker', 'config.json')}: not valid JSON`])
  })
  withHome('{"credsStore":"desktop"}', (home) => {
    assert.deepEqual(collectRegistryAuth({ payload: jobPayload({}), runnerEnvironment: [], homeDir: home }).warnings, [], 'a config.json without auths is normal')
  })
})
