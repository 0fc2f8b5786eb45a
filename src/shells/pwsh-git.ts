/**
 * PowerShell versions of the git helpers get_sources and cleanup share: removing stale
 * locks (and, with clean_git_config, the repository config and hooks), the submodule
 * sequence, and forgetting cached credentials (job-execution.md 7.1, 7.3, 7.6).
 */
import type { GitRemote } from '../helpers/git/remote.js'
import type { GitSourceSettings } from '../helpers/git/types.js'
import { pwshDoubleQuote, pwshSingleQuote } from './pwsh-quote.js'
import type { PwshWriter } from './pwsh-writer.js'

const LOCK_FILES = ['index.lock', 'shallow.lock', 'HEAD.lock', 'hooks/post-checkout', 'config.lock']

export interface PwshGitCleanupOptions {
  projectDir: string
  tmpDir: string
  cleanGitConfig: boolean
  submodules: boolean
}

export function writePwshGitCleanup(writer: PwshWriter, options: PwshGitCleanupOptions): void {
  const git = writer.join(options.projectDir, '.git')
  for (const name of LOCK_FILES) writer.removeFile(writer.join(git, ...name.split('/')))
  const refs = pwshDoubleQuote(writer.join(git, 'refs'))
  writer.ifBlock(`Test-Path ${refs} -PathType Container`, () => {
    writer.line(`Get-ChildItem -Path ${refs} -Filter '*.lock' -File -Recurse -Force | Remove-Item -Force`)
  })

  const modules = pwshDoubleQuote(writer.join(git, 'modules'))
  if (options.submodules) {
    writer.ifBlock(`Test-Path ${modules} -PathType Container`, () => {
      writer.line(
        `Get-ChildItem -Path ${modules} -File -Recurse -Force | Where-Object { $_.Name -in @('index.lock', 'shallow.lock', 'HEAD.lock', 'config.lock') -or ($_.Name -eq 'post-checkout' -and $_.Directory.Name -eq 'hooks') } | Remove-Item -Force`,
      )
    })
  }
  if (!options.cleanGitConfig) return

  writer.removeFile(writer.join(options.tmpDir, 'git-template', 'config'))
  writer.removeTree(writer.join(options.tmpDir, 'git-template', 'hooks'))
  writer.removeFile(writer.join(git, 'config'))
  writer.removeTree(writer.join(git, 'hooks'))
  if (options.submodules) {
    writer.ifBlock(`Test-Path ${modules} -PathType Container`, () => {
      writer.line(`Get-ChildItem -Path ${modules} -Filter 'config' -File -Recurse -Force | Remove-Item -Force`)
      writer.line(`Get-ChildItem -Path ${modules} -Filter 'hooks' -Directory -Recurse -Force | Remove-Item -Force -Recurse`)
    })
  }
}

/** `& "git" '-c' "include.path=<ext config>"`: submodule commands authenticate like the parent. */
const WITH_EXT = `& "git" '-c' "include.path=$GLR_EXT_GIT_CONFIG_PATH"`

export function writePwshSubmodules(writer: PwshWriter, settings: GitSourceSettings): void {
  const strategy = settings.submoduleStrategy
  if (strategy !== 'normal' && strategy !== 'recursive') {
    writer.notice('Skipping Git submodules setup')
    return
  }

  const recursive = strategy === 'recursive'
  const depth = settings.submoduleDepth
  writer.notice(`Updating/initializing submodules${recursive ? ' recursively' : ''}${depth > 0 ? ` with git depth set to ${depth}` : ''}...`)

  const q = (words: readonly string[]): string => words.map(pwshSingleQuote).join(' ')
  const rec = recursive ? ` '--recursive'` : ''
  const paths = settings.submodulePaths.length > 0 ? ` '--' ${q(settings.submodulePaths)}` : ''
  const cleanFlags = settings.gitCleanFlags.length > 0 ? q(settings.gitCleanFlags) : `'-ffdx'`
  const updateFlags = settings.submoduleUpdateFlags.length > 0 ? ` ${q(settings.submoduleUpdateFlags)}` : ''
  const depthFlag = depth > 0 ? ` '--depth' '${depth}'` : ''
  const sync = `& "git" 'submodule' 'sync'${rec}${paths}`
  const update = `${WITH_EXT} 'submodule' 'update' '--init'${rec}${depthFlag}${updateFlags}${paths}`
  const foreach = `& "git" 'submodule' 'foreach'${rec}`

  writer.commandLine(`& "git" 'submodule' 'init'`)
  writer.commandLine(sync)
  writer.commandLine(`${foreach} 'git' 'clean' ${cleanFlags}`)
  writer.commandLine(`${foreach} 'git' 'reset' '--hard'`)
  writer.ifSucceeds(
    update,
    { quiet: false },
    () => {
      writer.notice('Updated submodules')
      writer.commandLine(sync)
    },
    () => {
      writer.warning('Updating submodules failed. Retrying...')
      if (settings.submoduleUpdateFlags.includes('--remote')) {
        writer.commandLine(`${WITH_EXT} 'submodule' 'foreach'${rec} 'git' 'fetch' 'origin' '+refs/heads/*:refs/remotes/origin/*'`)
      }
      writer.commandLine(sync)
      writer.commandLine(update)
      writer.commandLine(`${foreach} 'git' 'reset' '--hard'`)
    },
  )
  writer.commandLine(`${foreach} 'git' 'clean' ${cleanFlags}`)
  writer.notice('Configuring submodules to use parent git credentials...')
  // Separate arguments (git runs them as `sh -c '<cmd> "$@"'`): no quotes inside an
  // argument, which pwsh before 7.3 would pass on mangled.
  writer.commandLine(`& "git" 'submodule' 'foreach' '--recursive' 'git' 'config' '--replace-all' 'include.path' $GLR_EXT_GIT_CONFIG_PATH`)
  if (settings.lfsSkipSmudge) return
  writer.ifSucceeds(`& "git" 'lfs' 'version'`, { quiet: true }, () => {
    writer.notice('Pulling LFS files...')
    writer.commandLine(`${WITH_EXT} 'submodule' 'foreach'${rec} 'git' 'lfs' 'pull'`)
  })
}

/**
 * Drops credentials a credential helper may have cached for the server. Failure does not
 * matter (no helper configured); the last assignment leaves `$?` true so the script's own
 * exit status is not this command's.
 */
export function writePwshCredentialReject(writer: PwshWriter, remote: GitRemote): void {
  if (!['http', 'https', 'ssh'].includes(remote.protocol)) return
  const input = pwshDoubleQuote(`url=${remote.serverBase}\nusername=gitlab-ci-token\n`)
  writer.line(`Try { ${input} | & "git" 'credential' 'reject' 2>$null | out-null } Catch { }`)
  writer.line('$global:LASTEXITCODE = 0')
  writer.line('')
}
