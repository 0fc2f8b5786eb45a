/**
 * The get_sources and clear_worktree inner scripts: template dir, credentials in the
 * external config file, the fetch/clone/none/empty strategies, checkout, clean, LFS and
 * submodules, in the order of the official runner.
 */
import type { GitRemote } from '../helpers/git/remote.js'
import type { GitSourceSettings } from '../helpers/git/types.js'
import { writeGitCleanup } from './git-cleanup.js'
import { finish, newWriter, writeExports, type StageScriptContext } from './stage-scripts.js'
import type { ScriptWriter } from './script-writer.js'
import { writeSubmodules } from './git-submodules.js'
import { GetSourcesScriptError, writeSourceSteps } from './source-steps.js'

export { GetSourcesScriptError }

export interface GetSourcesOptions {
  settings: GitSourceSettings
  /** Undefined only for GIT_STRATEGY=none/empty without a usable repository URL. */
  remote: GitRemote | undefined
  /** Contents of `<tmp>/.gitlab-runner.ext.conf` (see helpers/git/remote.ts). */
  extConfig: string
  sha: string
  ref: string
  refspecs: readonly string[]
  depth: number
  objectFormat: string
  userAgent: string
  cleanGitConfig: boolean
  safeDirectory: boolean
  /** Runner pre_get_sources_script, then the job's hook. */
  preScripts: readonly string[]
  /** The job's post hook, then the runner's post_get_sources_script. */
  postScripts: readonly string[]
}

export const EXT_CONFIG_NAME = '.gitlab-runner.ext.conf'

export function getSourcesScript(context: StageScriptContext, options: GetSourcesOptions): string {
  const { settings } = options
  const writer = newWriter(context)
  const extPath = `${context.tmpDir}/${EXT_CONFIG_NAME}`
  writeExports(writer, context)
  writer.exportVariable('GIT_TERMINAL_PROMPT', '0')
  writer.exportVariable('GCM_INTERACTIVE', 'Never')
  // Absolute even for a relative builds_dir: git resolves a relative include.path from
  // the config file's own folder (.git/), where it would miss the credentials.
  writer.line(`export GLR_EXT_GIT_CONFIG_PATH=${writer.absolutePath(extPath, writer.quote)}`)

  writeSourceSteps(writer, context.projectDir, options, {
    fetch: (w, remote) => writeFetch(w, context, { ...options, remote }, extPath),
    checkout: (w) => writeCheckout(w, options),
    submodules: (w) => writeSubmodules(w, settings),
    credentialReject: writeCredentialReject,
  })

  return finish(writer, context)
}

function writeTemplate(writer: ScriptWriter, templateDir: string): void {
  const config = `${templateDir}/config`
  writer.mkdir(templateDir)
  writer.line(`git config -f ${writer.path(config)} init.defaultBranch none`)
  writer.line(`git config -f ${writer.path(config)} fetch.recurseSubmodules false`)
  writer.line(`git config -f ${writer.path(config)} credential.interactive never`)
  writer.line(`git config -f ${writer.path(config)} gc.autoDetach false`)
  writer.line(`git config -f ${writer.path(config)} --replace-all include.path "$GLR_EXT_GIT_CONFIG_PATH" '\\.gitlab-runner\\.ext\\.conf$'`)
}

function writeFetch(writer: ScriptWriter, context: StageScriptContext, options: GetSourcesOptions & { remote: GitRemote }, extPath: string): void {
  const { settings, remote } = options
  const pd = context.projectDir
  const templateDir = `${context.tmpDir}/git-template`
  writer.notice(options.depth > 0 ? `Fetching changes with git depth set to ${options.depth}...` : 'Fetching changes...')

  writeGitCleanup(writer, { projectDir: pd, tmpDir: context.tmpDir, cleanGitConfig: options.cleanGitConfig, submodules: settings.submoduleStrategy !== 'none' })
  if (settings.gitStrategy === 'clone') writer.removeTree(pd)
  if (options.cleanGitConfig) {
    // The repository config was just removed, so `git remote add` will succeed; remember
    // whether this really is a fresh repository for the notice.
    writer.ifBlock(`[ -d ${writer.path(`${pd}/.git`)} ]`, () => writer.line('glr_repo_existed=1'), () => writer.line('glr_repo_existed=0'))
  }
  if (options.safeDirectory) writer.line(`git config --global --add safe.directory ${writer.quote(pd)}`)

  writeTemplate(writer, templateDir)
  writer.mkdir(context.tmpDir)
  // printf is a shell builtin: the token never shows up in a process's argv.
  writer.line(`printf '%s' ${writer.quote(options.extConfig)} > ${writer.path(extPath)}`)

  const objectFormat = options.objectFormat !== '' && options.objectFormat !== 'sha1' ? ` --object-format ${writer.quote(options.objectFormat)}` : ''
  writer.line(`git init ${writer.quote(pd)} --template ${writer.quote(templateDir)}${objectFormat}`)
  writer.cd(pd)
  const url = writer.quote(remote.url)
  writer.ifBlock(
    `git remote add origin ${url} >/dev/null 2>&1 `,
    () => {
      if (options.cleanGitConfig) writer.ifBlock('[ "$glr_repo_existed" = 0 ]', () => writer.notice('Created fresh repository.'))
      else writer.notice('Created fresh repository.')
    },
    () => {
      writer.line(`git remote set-url origin ${url}`)
      writer.line(`git config --file ".git/config" --replace-all "include.path" "$GLR_EXT_GIT_CONFIG_PATH" "\\.gitlab-runner\\.ext\\.conf$"`)
    },
  )

  const fetch = [
    'git',
    '-c',
    writer.quote(`http.userAgent=${options.userAgent}`),
    'fetch',
    'origin',
    '--no-recurse-submodules',
    ...options.refspecs.map((refspec) => writer.quote(refspec)),
    ...(options.depth > 0 ? ['--depth', String(options.depth)] : []),
    ...settings.gitFetchExtraFlags.map((flag) => writer.quote(flag)),
  ].join(' ')
  if (options.depth > 0) writer.line(fetch)
  else writer.ifBlock('[ -e ".git/shallow" ]', () => writer.line(`${fetch} --unshallow`), () => writer.line(fetch))
}

function writeCheckout(writer: ScriptWriter, options: GetSourcesOptions): void {
  const { settings } = options
  if (!settings.gitCheckout) {
    writer.notice('Skipping Git checkout')
    return
  }

  writer.notice(`Checking out ${options.sha.slice(0, 8)} as detached HEAD (ref is ${options.ref})...`)
  writer.line(`git -c submodule.recurse=false checkout -f -q ${writer.quote(options.sha)}`)
  if (settings.gitCleanFlags.length > 0) writer.line(`git clean ${settings.gitCleanFlags.map((flag) => writer.quote(flag)).join(' ')}`)
  if (!settings.lfsSkipSmudge) {
    writer.ifBlock('git lfs version >/dev/null 2>&1 ', () => {
      writer.line('git lfs pull')
      writer.emptyLine()
    })
  }
}

export function writeCredentialReject(writer: ScriptWriter, remote: GitRemote): void {
  if (!['http', 'https', 'ssh'].includes(remote.protocol)) return
  const input = `url=${remote.serverBase}\nusername=gitlab-ci-token`
  writer.line(`echo ${writer.quote(input)} | git credential reject || true`)
}

export function clearWorktreeScript(context: StageScriptContext): string {
  const writer = newWriter(context)
  writer.notice('Deleting tracked and untracked files...')
  writer.ifBlock(`[ -d ${writer.path(context.projectDir)} ]`, () => {
    writer.cd(context.projectDir)
    writer.line('git rm -rf --ignore-unmatch --quiet .')
    writer.line('git clean -ffdx -q')
  })

  return finish(writer, context)
}
