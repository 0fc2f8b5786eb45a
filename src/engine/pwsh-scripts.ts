/**
 * The PowerShell side of the engine's script building (scripts.ts): the context the
 * pwsh generators need, and the stage scripts that differ from bash only in generator.
 */
import type { ShellName } from '../config/runner-config.js'
import type { GitRemote } from '../helpers/git/remote.js'
import { pwshClearWorktreeScript, writePwshJobCleanup } from '../shells/pwsh-get-sources.js'
import { writePwshCredentialReject, writePwshGitCleanup } from '../shells/pwsh-git.js'
import { pwshCleanupScript, pwshPrepareScript, type PwshStageContext } from '../shells/pwsh-stage-scripts.js'
import type { ScriptSources } from './scripts.js'
import type { VariableList } from './variables/job-variables.js'

export function isPowerShell(shell: ShellName): shell is 'pwsh' | 'powershell' {
  return shell === 'pwsh' || shell === 'powershell'
}

/**
 * File mode (a `.ps1` run with -File) changes Windows PowerShell's script layout: the
 * custom executor always hands over a file, the shell executor does with
 * FF_DISABLE_POWERSHELL_STDIN; ssh always uses stdin.
 */
export function pwshFileMode(sources: ScriptSources): boolean {
  const executor = sources.runner.executor

  return executor === 'custom' || (executor === 'shell' && sources.setup.flags.FF_DISABLE_POWERSHELL_STDIN)
}

export function pwshContext(sources: ScriptSources, variables: VariableList = sources.setup.expanded): PwshStageContext {
  const { setup } = sources

  return {
    // The runner (and, for ssh and custom, the scripts' host) is Unix: `\n` and `/`.
    dialect: { shell: setup.shell === 'powershell' ? 'powershell' : 'pwsh', windows: process.platform === 'win32' },
    debugTrace: setup.settings.debugTrace,
    fileMode: pwshFileMode(sources),
    variables: variables.items,
    projectDir: setup.paths.projectDir,
    tmpDir: setup.paths.tmpDir,
  }
}

export function pwshPrepareStageScript(sources: ScriptSources): string {
  const { hostname } = sources.setup

  return pwshPrepareScript(pwshContext(sources), hostname !== undefined ? { hostname } : {})
}

export function pwshClearWorktreeStageScript(sources: ScriptSources): string {
  return pwshClearWorktreeScript(pwshContext(sources))
}

export function pwshCleanupStageScript(sources: ScriptSources, options: { cleanGitConfig: boolean; remote: GitRemote | undefined }): string {
  const { setup } = sources
  const strategy = setup.settings.gitStrategy

  return pwshCleanupScript(pwshContext(sources), {
    extra: (writer) => {
      if (strategy === 'fetch' || strategy === 'clone') {
        writePwshGitCleanup(writer, {
          projectDir: setup.paths.projectDir,
          tmpDir: setup.paths.tmpDir,
          cleanGitConfig: options.cleanGitConfig,
          submodules: setup.settings.submoduleStrategy !== 'none',
        })
      }
      if (setup.flags.FF_ENABLE_JOB_CLEANUP) {
        writePwshJobCleanup(writer, { strategy, projectDir: setup.paths.projectDir, cleanFlags: setup.settings.gitCleanFlags })
      }
      if (options.remote !== undefined) writePwshCredentialReject(writer, options.remote)
    },
  })
}
