/**
 * gitlab-ci-local, the local-pipeline peer: installed once with Node 22 (which it needs;
 * the npm registry's `node` package supplies it) into a cache folder outside the
 * repository, never into package.json. Each run goes through `unshare -rn` so the peer
 * cannot reach any network: the bench only ever talks to this machine.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** npm specs of the peer and its runtime; major versions only, as the issue names them. */
const PACKAGES = ['node@22', 'gitlab-ci-local@4']

export interface GitlabCiLocal {
  /** The command and leading arguments; append gitlab-ci-local's own flags. */
  command: string
  args: string[]
  version: string
}

export type PeerLookup = { ok: true; peer: GitlabCiLocal } | { ok: false; reason: string }

/** `GLRUNNER_BENCH_CACHE`, or ~/.cache/glrunner-bench. */
export function benchCacheDir(): string {
  return process.env.GLRUNNER_BENCH_CACHE ?? join(homedir(), '.cache', 'glrunner-bench')
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? ((err as { stderr?: string }).stderr || err.message) : String(err)

  return text.trim().split('\n').filter((line) => !line.startsWith('npm warn')).slice(-1)[0] ?? 'unknown error'
}

/** Installs into a temp folder beside the target and renames it, so a half install is never used. */
async function install(target: string): Promise<void> {
  const parent = join(target, '..')
  await mkdir(parent, { recursive: true })
  const staging = await mkdtemp(join(parent, 'install-'))
  try {
    await run('npm', ['install', '--prefix', staging, '--no-audit', '--no-fund', '--no-save', ...PACKAGES], { timeout: 300_000 })
    await rm(target, { recursive: true, force: true })
    await rename(staging, target)
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/** Finds (installing once if needed) gitlab-ci-local and checks what its shell runs need. */
export async function findGitlabCiLocal(): Promise<PeerLookup> {
  const dir = join(benchCacheDir(), 'gitlab-ci-local-4')
  const node = join(dir, 'node_modules/node/bin/node')
  const script = join(dir, 'node_modules/gitlab-ci-local/dist/index.js')
  if (!existsSync(node) || !existsSync(script)) {
    try {
      await install(dir)
    } catch (err) {
      return { ok: false, reason: `npm install ${PACKAGES.join(' ')} into ${dir} failed: ${firstLine(err)}` }
    }
  }

  try {
    await run('unshare', ['-rn', 'true'])
  } catch (err) {
    return { ok: false, reason: `cannot cut gitlab-ci-local off the network (unshare -rn): ${firstLine(err)}` }
  }
  try {
    // The shell executor copies the tracked files into its build folder with rsync.
    await run('rsync', ['--version'])
  } catch {
    return { ok: false, reason: 'gitlab-ci-local needs rsync, which is not installed' }
  }
  try {
    const { stdout } = await run('unshare', ['-rn', node, script, '--version'])

    return { ok: true, peer: { command: 'unshare', args: ['-rn', node, script], version: stdout.trim() } }
  } catch (err) {
    return { ok: false, reason: `gitlab-ci-local in ${dir} does not start: ${firstLine(err)}` }
  }
}
