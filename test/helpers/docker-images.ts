/**
 * Test images for the docker executor, built locally by scripts/build-test-images.sh (no
 * registry): a busybox-only image (sh, no bash/git/curl), the same with EXPOSE 80 for
 * services, and a debootstrap'ed Debian with bash and git. Also the engine check that
 * decides whether docker tests run: they skip loudly without an engine, except in CI.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const BUSYBOX_IMAGE = 'glrunner-test/busybox:1'
export const BUSYBOX_WEB_IMAGE = 'glrunner-test/busybox-web:1'
export const DEBIAN_GIT_IMAGE = 'glrunner-test/debian-git:1'
export const TEST_LABEL = 'glrunner.test=1'

const SCRIPT = fileURLToPath(new URL('../../scripts/build-test-images.sh', import.meta.url))

function engineAnswers(): boolean {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0
}

export function imageExists(image: string): boolean {
  return spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0
}

/**
 * undefined when docker tests can run (images built on demand), else the reason to skip.
 * With CI=true a missing engine throws: CI must never silently skip these tests.
 */
export function dockerTestSkipReason(options: { debian?: boolean } = {}): string | undefined {
  if (!engineAnswers()) {
    const reason = 'SKIPPED: no Docker Engine answers `docker info` (install docker.io and start dockerd)'
    if (process.env.CI === 'true') throw new Error(`${reason}; CI=true requires the docker tests to run`)
    console.error(`\n*** ${reason} ***\n`)

    return reason
  }

  const wanted = [BUSYBOX_IMAGE, BUSYBOX_WEB_IMAGE, ...(options.debian === true ? [DEBIAN_GIT_IMAGE] : [])]
  if (wanted.every(imageExists)) return undefined
  execFileSync('bash', [SCRIPT, ...(options.debian === true ? [] : ['--busybox-only'])], { stdio: 'inherit' })

  return undefined
}

/**
 * dockerTestSkipReason, then one more requirement: `missing()` says what is absent (e.g. the
 * registry binary), which skips loudly, or with CI=true throws naming `tests`.
 */
export function dockerTestSkipReasonWith(missing: () => string | undefined, tests: string): string | undefined {
  const docker = dockerTestSkipReason()
  if (docker !== undefined) return docker
  const absent = missing()
  if (absent === undefined) return undefined
  const reason = `SKIPPED: ${absent}`
  if (process.env.CI === 'true') throw new Error(`${reason}; CI=true requires the ${tests} to run`)
  console.error(`\n*** ${reason} ***\n`)

  return reason
}

/** Ids of containers, networks and volumes that carry `label` (e.g. a job id label). */
export function objectsWithLabel(label: string): { containers: string[]; networks: string[]; volumes: string[] } {
  const list = (...args: string[]): string[] =>
    execFileSync('docker', args, { encoding: 'utf8' }).split('\n').filter((line) => line.trim() !== '')

  return {
    containers: list('ps', '-aq', '--filter', `label=${label}`),
    networks: list('network', 'ls', '-q', '--filter', `label=${label}`),
    volumes: list('volume', 'ls', '-q', '--filter', `label=${label}`),
  }
}

/** Removes what a test left behind with `label` (only objects this test labelled). */
export function removeWithLabel(label: string): void {
  const found = objectsWithLabel(label)
  if (found.containers.length > 0) spawnSync('docker', ['rm', '-f', '-v', ...found.containers], { stdio: 'ignore' })
  if (found.networks.length > 0) spawnSync('docker', ['network', 'rm', ...found.networks], { stdio: 'ignore' })
  if (found.volumes.length > 0) spawnSync('docker', ['volume', 'rm', '-f', ...found.volumes], { stdio: 'ignore' })
}
