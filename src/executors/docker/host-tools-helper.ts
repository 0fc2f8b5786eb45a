/**
 * The helper for predefined stages when no `helper_image` is configured and the engine is
 * local: an almost empty image (made here with `docker import`, never pulled) whose
 * container sees the runner host's `/usr` (and `/bin`, `/lib`… where they are not
 * symlinks into it) read-only. The stage scripts then find the host's sh and git, while
 * they still run inside the container's own namespaces, on the job network, with the
 * job's volumes and as the official helper would — user hooks never run on the host.
 */
import { lstatSync, readlinkSync } from 'node:fs'
import { Readable } from 'node:stream'
import { pack } from 'tar-stream'
import type { ContainerClient } from './container-client.js'

export const HOST_TOOLS_IMAGE = 'glrunner/host-tools:1'

const TOP_DIRS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']
/** Host paths the scripts need besides the programs: CA certificates and alternatives. */
const ETC_DIRS = ['/etc/ssl', '/etc/ca-certificates', '/etc/alternatives']

interface HostLayout {
  symlinks: Array<{ name: string; target: string }>
  binds: string[]
}

function hostLayout(): HostLayout {
  const symlinks: HostLayout['symlinks'] = []
  const binds = ['/usr:/usr:ro']
  for (const name of TOP_DIRS) {
    try {
      const stat = lstatSync(`/${name}`)
      if (stat.isSymbolicLink()) symlinks.push({ name, target: readlinkSync(`/${name}`) })
      else if (stat.isDirectory()) binds.push(`/${name}:/${name}:ro`)
    } catch {
      // Absent on this host (lib32 and friends): nothing to mirror.
    }
  }
  for (const dir of ETC_DIRS) {
    try {
      if (lstatSync(dir).isDirectory()) binds.push(`${dir}:${dir}:ro`)
    } catch {
      // Not installed here.
    }
  }

  return { symlinks, binds }
}

/** Bind mounts that give a host-tools container the host's programs. */
export function hostToolsBinds(): string[] {
  return hostLayout().binds
}

function rootTarball(layout: HostLayout): Readable {
  const tar = pack()
  for (const dir of ['usr', 'etc', 'tmp', 'root', 'builds', 'cache']) tar.entry({ name: dir, type: 'directory', mode: dir === 'tmp' ? 0o1777 : 0o755 })
  for (const link of layout.symlinks) tar.entry({ name: link.name, type: 'symlink', linkname: link.target })
  tar.entry({ name: 'etc/passwd', mode: 0o644 }, 'root:x:0:0:root:/root:/bin/sh\n')
  tar.entry({ name: 'etc/group', mode: 0o644 }, 'root:x:0:\n')
  tar.finalize()

  return Readable.from(tar)
}

let building: Promise<void> | undefined

/** Imports the host-tools image unless it exists; concurrent jobs share one import. */
export async function ensureHostToolsImage(client: ContainerClient): Promise<void> {
  if ((await client.inspectImage(HOST_TOOLS_IMAGE)) !== undefined) return
  building ??= client
    .importImage(rootTarball(hostLayout()), HOST_TOOLS_IMAGE, ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LABEL com.gitlab.gitlab-runner.managed=true'])
    .finally(() => {
      building = undefined
    })
  await building
}
