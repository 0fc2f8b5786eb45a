import { test } from 'node:test'
import assert from 'node:assert/strict'
import { jobPayloadSchema } from '../../gitlab/job-payload.js'
import { serviceBaseSpec, stageContainerSpec } from './container-specs.js'
import { containerCreateOptions } from './create-options.js'
import { readDockerSettings } from './docker-settings.js'
import { jobNames } from './job-names.js'

/** Every `[runners.docker]` key that shapes a container, with a value unlike its default. */
const TABLE = {
  privileged: true,
  services_privileged: false,
  user: 'builder:100',
  cap_add: ['NET_ADMIN'],
  cap_drop: ['CHOWN', 'MKNOD'],
  security_opt: ['no-new-privileges:true'],
  devices: ['/dev/fuse', '/dev/kvm:/dev/vm:r'],
  memory: '512m',
  memory_swap: '1g',
  cpus: '1.5',
  cpuset_cpus: '0-1',
  shm_size: 67_108_864,
  dns: ['10.0.0.53'],
  dns_search: ['example.test'],
  extra_hosts: ['gitlab.test:10.0.0.10'],
  network_mode: 'glr-user-net',
  hostname: 'job-host',
  tmpfs: { '/scratch': 'rw,size=64m' },
  services_tmpfs: { '/var/lib/db': 'rw' },
  sysctls: { 'net.ipv4.ip_forward': '1' },
  ulimit: { nofile: '1024:2048', nproc: '512' },
  wait_for_services_timeout: 12,
  container_labels: { team: 'infra', 'com.gitlab.gitlab-runner.job.id': 'forged' },
}

const payload = jobPayloadSchema.parse({
  id: 5, token: 't', job_info: { id: 5, name: 'j', stage: 's', project_id: 7, project_name: 'p', project_full_path: 'g/p' },
  git_info: { repo_url: '', ref: 'main', sha: 'abc', before_sha: '', ref_type: 'branch', refspecs: [], depth: 0 },
  runner_info: { timeout: 60 }, variables: [], steps: [],
})
const identity = { shortToken: 'Tok', fullToken: 'glrt-Tok', systemId: 's_1', concurrentId: 0, concurrentProjectId: 0 }

function stage(kind: 'build' | 'predefined', table: Record<string, unknown>) {
  const settings = readDockerSettings(table)
  const names = jobNames(payload, identity, settings.container_labels)
  const spec = stageContainerSpec({
    kind, settings, names, buildImage: 'img:1', buildEntrypoint: [], helper: { image: 'helper:1', binds: ['/usr:/usr:ro'] },
    env: ['A=1'], binds: ['vol:/builds'], network: settings.network_mode || names.network, user: settings.user,
  })

  return containerCreateOptions(spec)
}

test('every container key of [runners.docker] reaches the build container create options', () => {
  const options = stage('build', TABLE)
  const host = options.HostConfig ?? {}
  assert.equal(options.Image, 'img:1')
  assert.equal(options.User, 'builder:100')
  assert.equal(options.Hostname, 'job-host')
  assert.equal(host.Privileged, true)
  assert.deepEqual(host.CapAdd, ['NET_ADMIN'])
  assert.deepEqual(host.CapDrop, ['CHOWN', 'MKNOD'])
  assert.deepEqual(host.SecurityOpt, ['no-new-privileges:true'])
  assert.deepEqual(host.Devices, [
    { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' },
    { PathOnHost: '/dev/kvm', PathInContainer: '/dev/vm', CgroupPermissions: 'r' },
  ])
  assert.equal(host.Memory, 512 * 1024 ** 2)
  assert.equal(host.MemorySwap, 1024 ** 3)
  assert.equal(host.NanoCpus, 1_500_000_000)
  assert.equal(host.CpusetCpus, '0-1')
  assert.equal(host.ShmSize, 67_108_864)
  assert.deepEqual(host.Dns, ['10.0.0.53'])
  assert.deepEqual(host.DnsSearch, ['example.test'])
  assert.deepEqual(host.ExtraHosts, ['gitlab.test:10.0.0.10'])
  assert.equal(host.NetworkMode, 'glr-user-net')
  assert.deepEqual(Object.keys(options.NetworkingConfig?.EndpointsConfig ?? {}), ['glr-user-net'])
  assert.deepEqual(host.Tmpfs, { '/scratch': 'rw,size=64m' })
  assert.deepEqual(host.Sysctls, { 'net.ipv4.ip_forward': '1' })
  assert.deepEqual(host.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }, { Name: 'nproc', Soft: 512, Hard: 512 }])
  assert.deepEqual(host.Binds, ['vol:/builds'])
  assert.equal(options.Labels?.team, 'infra')
  assert.equal(options.Labels?.['com.gitlab.gitlab-runner.job.id'], '5', 'the official prefix is reserved')
  assert.equal(options.Labels?.['com.gitlab.gitlab-runner.type'], 'build')
  assert.equal(readDockerSettings(TABLE).wait_for_services_timeout, 12)
})

test('defaults: unprivileged, no limits, no hostname or user, per-job network joined with no aliases', () => {
  const options = stage('build', {})
  const host = options.HostConfig ?? {}
  assert.equal(host.Privileged, false)
  assert.equal(options.User, undefined)
  assert.equal(options.Hostname, undefined)
  assert.equal(host.Memory, 0)
  assert.equal(host.NanoCpus, 0)
  assert.equal(host.ShmSize, undefined, 'the engine default (64 MiB)')
  assert.deepEqual(host.Tmpfs, {})
  assert.match(host.NetworkMode ?? '', /^runner-tok-7-0-5$/)
  assert.equal(readDockerSettings({}).wait_for_services_timeout, 30)
})

test('the predefined container runs the helper image without the user limits, privileges or user', () => {
  const options = stage('predefined', TABLE)
  const host = options.HostConfig ?? {}
  assert.equal(options.Image, 'helper:1')
  assert.deepEqual(options.Entrypoint, [''])
  assert.equal(options.User, undefined)
  assert.equal(host.Privileged, false)
  assert.deepEqual(host.CapAdd, [])
  assert.equal(host.Memory, 0)
  assert.deepEqual(host.Devices, [])
  assert.deepEqual(host.Tmpfs, {})
  assert.deepEqual(host.Binds, ['vol:/builds', '/usr:/usr:ro'])
  assert.equal(host.NetworkMode, 'glr-user-net', 'same network as the build container')
})

test('services get services_tmpfs and services_privileged, not the build container limits', () => {
  const settings = readDockerSettings(TABLE)
  const base = serviceBaseSpec(settings, ['vol:/builds'])
  assert.deepEqual(base.mounts, { binds: ['vol:/builds'], tmpfs: { '/var/lib/db': 'rw' } })
  assert.equal(base.privileged, false, 'services_privileged overrides privileged')
  assert.equal(serviceBaseSpec(readDockerSettings({ privileged: true }), []).privileged, true, 'privileged applies to services too')
  assert.equal(base.memoryBytes, 0)
  assert.equal(base.hostname, '')
  assert.deepEqual(base.dns, ['10.0.0.53'])
})

test('host network mode is passed as the mode, with no endpoint to join', () => {
  const options = stage('build', { network_mode: 'host' })
  assert.equal(options.HostConfig?.NetworkMode, 'host')
  assert.equal(options.NetworkingConfig, undefined)
})
