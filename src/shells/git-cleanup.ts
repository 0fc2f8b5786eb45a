/**
 * Removes what a previous job may have left in `.git` that would break or hijack the next
 * fetch: stale locks always, and with clean_git_config the repository config and hooks
 * (`core.fsmonitor`, `core.hooksPath`, a post-checkout hook… would run code of the
 * previous job inside this one).
 */
import type { ScriptWriter } from './script-writer.js'

const LOCK_FILES = ['index.lock', 'shallow.lock', 'HEAD.lock', 'hooks/post-checkout', 'config.lock']

export interface GitCleanupOptions {
  projectDir: string
  tmpDir: string
  cleanGitConfig: boolean
  submodules: boolean
}

export function writeGitCleanup(writer: ScriptWriter, options: GitCleanupOptions): void {
  const git = `${options.projectDir}/.git`
  for (const name of LOCK_FILES) writer.removeFile(`${git}/${name}`)
  writer.ifBlock(`[ -d ${writer.path(`${git}/refs`)} ]`, () => {
    writer.line(`find ${writer.path(`${git}/refs`)} -type f -name '*.lock' -exec rm -f {} +`)
  })

  const modules = `${git}/modules`
  if (options.submodules) {
    writer.ifBlock(`[ -d ${writer.path(modules)} ]`, () => {
      writer.line(
        `find ${writer.path(modules)} -type f \\( -name index.lock -o -name shallow.lock -o -name HEAD.lock -o -name config.lock -o -path '*/hooks/post-checkout' \\) -exec rm -f {} +`,
      )
    })
  }
  if (!options.cleanGitConfig) return

  writer.removeFile(`${options.tmpDir}/git-template/config`)
  writer.line(`rm -r -f ${writer.path(`${options.tmpDir}/git-template/hooks`)}`)
  writer.removeFile(`${git}/config`)
  writer.line(`rm -r -f ${writer.path(`${git}/hooks`)}`)
  if (options.submodules) {
    writer.ifBlock(`[ -d ${writer.path(modules)} ]`, () => {
      writer.line(`find ${writer.path(modules)} -type f -name config -exec rm -f {} +`)
      writer.line(`find ${writer.path(modules)} -type d -name hooks -prune -exec rm -r -f {} +`)
    })
  }
}
