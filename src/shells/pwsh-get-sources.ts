/**
 * The get_sources and clear_worktree scripts for PowerShell, step for step the bash ones
 * (get-sources.ts; job-execution.md 7): template dir, credentials only in the external
 * config file, fetch/clone/none/empty, checkout, clean, LFS, submodules. Every git call is
 * `& "git" '<arg>'…` followed by the exit check (executors.md 3.3).
 */
import type { GitRemote } from '../helpers/git/remote.js'
import { EXT_CONFIG_NAME, type GetSourcesOptions } from './get-sources.js'
import { writePwshCredentialReject, writePwshGitCleanup, writePwshSubmodules } from './pwsh-git.js'
import { pwshDoubleQuote, pwshSingleQuote } from './pwsh-quote.js'
import { finishPwsh, writePwshExports, type PwshStageContext } from './pwsh-stage-scripts.js'
import { PwshWriter } from './pwsh-writer.js'
import { writeSourceSteps } from './source-steps.js'

const EXT_INCLUDE_PATTERN = pwshSingleQuote('\\.gitlab-runner\\.ext\\.conf$')

export function pwshGetSourcesScript(context: PwshStageContext, options: GetSourcesOptions): string {
  const { settings } = options
  const writer = new PwshWriter(context.dialect)
  writePwshExports(writer, context)
  writer.exportVariable('GIT_TERMINAL_PROMPT', '0')
  writer.exportVariable('GCM_INTERACTIVE', 'Never')
  // Absolute even for a relative builds_dir: git resolves a relative include.path from the
  // config file's own folder (.git/), where it would miss the credentials.
  writer.exportExpression('GLR_EXT_GIT_CONFIG_PATH', writer.absolute(writer.join(context.tmpDir, EXT_CONFIG_NAME)))

  writeSourceSteps(writer, context.projectDir, options, {
    fetch: (w, remote) => writeFetch(w, context, { ...options, remote }),
    checkout: (w) => writeCheckout(w, options),
    submodules: (w) => writePwshSubmodules(w, settings),
    credentialReject: writePwshCredentialReject,
  })

  return finishPwsh(writer, context)
}

function writeTemplate(writer: PwshWriter, templateDir: string): void {
  const config = pwshSingleQuote(writer.join(templateDir, 'config'))
  writer.mkdir(templateDir)
  for (const [key, value] of [['init.defaultBranch', 'none'], ['fetch.recurseSubmodules', 'false'], ['credential.interactive', 'never'], ['gc.autoDetach', 'false']]) {
    writer.commandLine(`& "git" 'config' '-f' ${config} '${key}' '${value}'`)
  }
  writer.commandLine(`& "git" 'config' '-f' ${config} '--replace-all' 'include.path' $GLR_EXT_GIT_CONFIG_PATH ${EXT_INCLUDE_PATTERN}`)
}

function writeFetch(writer: PwshWriter, context: PwshStageContext, options: GetSourcesOptions & { remote: GitRemote }): void {
  const { settings, remote } = options
  const pd = context.projectDir
  const templateDir = writer.join(context.tmpDir, 'git-template')
  writer.notice(options.depth > 0 ? `Fetching changes with git depth set to ${options.depth}...` : 'Fetching changes...')

  writePwshGitCleanup(writer, { projectDir: pd, tmpDir: context.tmpDir, cleanGitConfig: options.cleanGitConfig, submodules: settings.submoduleStrategy !== 'none' })
  if (settings.gitStrategy === 'clone') writer.removeTree(pd)
  // The repository config may just have been removed, so `git remote add` would succeed
  // either way; remember whether this really is a fresh repository for the notice.
  if (options.cleanGitConfig) writer.line(`$glr_repo_existed = Test-Path ${pwshDoubleQuote(writer.join(pd, '.git'))} -PathType Container`)
  if (options.safeDirectory) writer.command('git', 'config', '--global', '--add', 'safe.directory', pd)

  writeTemplate(writer, templateDir)
  writer.mkdir(context.tmpDir)
  // WriteAllText: UTF-8 without BOM, and the token never shows up in a process's argv.
  writer.line(`[System.IO.File]::WriteAllText($GLR_EXT_GIT_CONFIG_PATH, ${pwshDoubleQuote(options.extConfig)})`)
  writer.line('')

  const objectFormat = options.objectFormat !== '' && options.objectFormat !== 'sha1' ? ['--object-format', options.objectFormat] : []
  writer.command('git', 'init', pd, '--template', templateDir, ...objectFormat)
  writer.cd(pd)
  writer.ifSucceeds(
    `& "git" 'remote' 'add' 'origin' ${pwshSingleQuote(remote.url)}`,
    { quiet: true },
    () => {
      if (options.cleanGitConfig) writer.ifBlock('!$glr_repo_existed', () => writer.notice('Created fresh repository.'))
      else writer.notice('Created fresh repository.')
    },
    () => {
      writer.command('git', 'remote', 'set-url', 'origin', remote.url)
      writer.commandLine(`& "git" 'config' '--file' '.git/config' '--replace-all' 'include.path' $GLR_EXT_GIT_CONFIG_PATH ${EXT_INCLUDE_PATTERN}`)
    },
  )

  const fetch = [
    '-c', `http.userAgent=${options.userAgent}`, 'fetch', 'origin', '--no-recurse-submodules',
    ...options.refspecs,
    ...(options.depth > 0 ? ['--depth', String(options.depth)] : []),
    ...settings.gitFetchExtraFlags,
  ]
  if (options.depth > 0) {
    writer.command('git', ...fetch)
    return
  }
  writer.ifBlock(
    `Test-Path ${pwshDoubleQuote(writer.join('.git', 'shallow'))} -PathType Leaf`,
    () => writer.command('git', ...fetch, '--unshallow'),
    () => writer.command('git', ...fetch),
  )
}

function writeCheckout(writer: PwshWriter, options: GetSourcesOptions): void {
  const { settings } = options
  if (!settings.gitCheckout) {
    writer.notice('Skipping Git checkout')
    return
  }

  writer.notice(`Checking out ${options.sha.slice(0, 8)} as detached HEAD (ref is ${options.ref})...`)
  writer.command('git', '-c', 'submodule.recurse=false', 'checkout', '-f', '-q', options.sha)
  if (settings.gitCleanFlags.length > 0) writer.command('git', 'clean', ...settings.gitCleanFlags)
  if (settings.lfsSkipSmudge) return
  writer.ifSucceeds(`& "git" 'lfs' 'version'`, { quiet: true }, () => {
    writer.command('git', 'lfs', 'pull')
    writer.emptyLine()
  })
}

export function pwshClearWorktreeScript(context: PwshStageContext): string {
  const writer = new PwshWriter(context.dialect)
  writer.notice('Deleting tracked and untracked files...')
  writer.ifBlock(`Test-Path ${pwshDoubleQuote(context.projectDir)} -PathType Container`, () => {
    writer.cd(context.projectDir)
    writer.command('git', 'rm', '-rf', '--ignore-unmatch', '--quiet', '.')
    writer.command('git', 'clean', '-ffdx', '-q')
  })

  return finishPwsh(writer, context)
}

/** FF_ENABLE_JOB_CLEANUP in cleanup_file_variables: leave the build dir as a fresh job would find it. */
export function writePwshJobCleanup(writer: PwshWriter, options: { strategy: string; projectDir: string; cleanFlags: readonly string[] }): void {
  if (options.strategy === 'none') {
    writer.notice('Skipping build directory cleanup step')
    return
  }
  if (options.strategy === 'clone' || options.strategy === 'empty') {
    writer.removeTree(options.projectDir)
    return
  }

  const flags = options.cleanFlags.length > 0 ? [...options.cleanFlags] : ['-ffdx']
  writer.ifBlock(`Test-Path ${pwshDoubleQuote(writer.join(options.projectDir, '.git'))} -PathType Container`, () => {
    writer.cd(options.projectDir)
    writer.command('git', 'clean', ...flags)
    writer.command('git', 'reset', '--hard')
    writer.command('git', 'submodule', 'foreach', '--recursive', 'git', 'clean', ...flags)
    writer.command('git', 'submodule', 'foreach', '--recursive', 'git', 'reset', '--hard')
  })
}
