import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defaultServiceAliases, parseImageRef, serviceVersion, splitAliases, withDefaultTag } from './image-ref.js'
import { assignAliases } from './services.js'

test('service link names follow the official derivation (executors.md 4.5)', () => {
  assert.deepEqual(defaultServiceAliases('mysql:latest'), ['mysql'])
  assert.deepEqual(defaultServiceAliases('postgres:16'), ['postgres'])
  assert.deepEqual(defaultServiceAliases('tutum/wordpress:latest'), ['tutum__wordpress', 'tutum-wordpress'])
  assert.deepEqual(defaultServiceAliases('registry.example.com:5000/group/redis:7'), ['registry.example.com__group__redis', 'registry.example.com-group-redis'])
  assert.deepEqual(defaultServiceAliases('library/redis@sha256:abc'), ['library__redis', 'library-redis'])
})

test('image references split into registry, path, tag and digest', () => {
  assert.deepEqual(parseImageRef('localhost:5000/a/b:1@sha256:ff'), { registry: 'localhost:5000', registryHost: 'localhost', path: 'a/b', tag: '1', digest: 'sha256:ff' })
  assert.equal(withDefaultTag('alpine'), 'alpine:latest')
  assert.equal(withDefaultTag('alpine@sha256:ff'), 'alpine@sha256:ff')
  assert.equal(serviceVersion('redis@sha256:ff'), 'sha256:ff')
  assert.equal(serviceVersion('redis'), 'latest')
  assert.deepEqual(splitAliases('web-b, front  db'), ['web-b', 'front', 'db'])
})

test('an alias already in use is skipped with the official warning, even within one service', () => {
  const warnings: string[] = []
  const names = assignAliases(
    [
      { image: 'docker:27-dind', alias: 'docker,dind', command: [], entrypoint: [], env: [], ports: [] },
      { image: 'postgres:16', alias: 'db', command: [], entrypoint: [], env: [], ports: [] },
      { image: 'mysql:8', alias: 'db', command: [], entrypoint: [], env: [], ports: [] },
    ],
    { warning: (text) => warnings.push(text) },
  )
  assert.deepEqual(names, [['docker', 'dind'], ['postgres', 'db'], ['mysql']])
  assert.deepEqual(warnings, [
    'Skipping alias "docker" for service "docker:27-dind" (services[0]): alias is already in use by another service.',
    'Skipping alias "db" for service "mysql:8" (services[2]): alias is already in use by another service.',
  ])
})
