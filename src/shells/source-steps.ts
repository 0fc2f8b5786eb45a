/**
 * The shape of every get_sources script, whatever the shell: pre-clone scripts, the LFS
 * default, then the none/empty strategies or fetch → checkout → submodules → post-clone
 * scripts, and the credential reject at the end, in the official runner's order. Each
 * shell (get-sources.ts for bash/sh, pwsh-get-sources.ts) supplies its writer and the git
 * steps in its own syntax.
 */
import type { GitRemote } from '../helpers/git/remote.js'
import type { GetSourcesOptions } from './get-sources.js'

/** What the shared steps need from a shell's script writer. */
export interface SourceStepWriter {
  notice(message: string): void
  mkdir(dir: string): void
  removeTree(dir: string): void
  exportVariable(key: string, value: string): void
  userCode(code: string): void
}

/** The git steps a shell writes its own way. */
export interface ShellGitSteps<W extends SourceStepWriter> {
  fetch(writer: W, remote: GitRemote): void
  checkout(writer: W): void
  submodules(writer: W): void
  credentialReject(writer: W, remote: GitRemote): void
}

export class GetSourcesScriptError extends Error {}

export function writeSourceSteps<W extends SourceStepWriter>(writer: W, projectDir: string, options: GetSourcesOptions, steps: ShellGitSteps<W>): void {
  const { settings } = options
  const skipsRepository = settings.gitStrategy === 'none' || settings.gitStrategy === 'empty'
  if (!skipsRepository) writeScripts(writer, options.preScripts)
  if (!settings.lfsSkipSmudgeSet) writer.exportVariable('GIT_LFS_SKIP_SMUDGE', '1')

  if (settings.gitStrategy === 'none') {
    writer.notice('Skipping Git repository setup')
    writer.mkdir(projectDir)
  } else if (settings.gitStrategy === 'empty') {
    writer.notice('Skipping Git repository setup and creating an empty build directory')
    writer.removeTree(projectDir)
    writer.mkdir(projectDir)
  } else {
    if (settings.submoduleStrategy === 'invalid') throw new GetSourcesScriptError('unknown GIT_SUBMODULE_STRATEGY')
    if (options.remote === undefined) throw new GetSourcesScriptError('no usable repository URL')
    steps.fetch(writer, options.remote)
    steps.checkout(writer)
    steps.submodules(writer)
    writeScripts(writer, options.postScripts)
  }
  if (skipsRepository) {
    writer.notice('Skipping Git checkout')
    writer.notice('Skipping Git submodules setup')
  }

  if (options.remote !== undefined) steps.credentialReject(writer, options.remote)
}

function writeScripts(writer: SourceStepWriter, scripts: readonly string[]): void {
  for (const script of scripts) if (script.trim() !== '') writer.userCode(script.trim())
}
