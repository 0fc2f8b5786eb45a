/** Builds the generated script of each script stage from the job's setup. */
import { GlrunnerError } from '../core/errors.js'
import { GLRUNNER_VERSION } from '../core/version.js'
import { goPlatform } from '../gitlab/runner-info.js'
import type { JobPayload } from '../gitlab/job-payload.js'
import type { RunnerConfig } from '../config/runner-config.js'
import { extConfigContent, GitRemoteError, type GitRemote, isCommitId, isSafeRefspec, resolveGitRemote } from '../helpers/git/remote.js'
import { clearWorktreeScript, getSourcesScript, GetSourcesScriptError, writeCredentialReject } from '../shells/get-sources.js'
import { writeGitCleanup } from '../shells/git-cleanup.js'
import type { ScriptWriter } from '../shells/script-writer.js'
import {
  cleanupScript,
  prepareScript,
  userStepScript,
  type StageScriptContext,
  type UserCommandBlock,
} from '../shells/stage-scripts.js'
import { pwshGetSourcesScript } from '../shells/pwsh-get-sources.js'
import { pwshUserStepScript } from '../shells/pwsh-stage-scripts.js'
import type { JobSetup } from './job-setup.js'
import {
  isPowerShell,
  pwshCleanupStageScript,
  pwshClearWorktreeStageScript,
  pwshContext,
  pwshPrepareStageScript,
} from './pwsh-scripts.js'
import type { VariableList } from './variables/job-variables.js'

export interface ScriptSources {
  setup: JobSetup
  payload: JobPayload
  runner: RunnerConfig
}

export function scriptContext(sources: ScriptSources, variables: VariableList = sources.setup.expanded): StageScriptContext {
  const { setup, payload } = sources
  const shell = setup.shell === 'sh' ? 'sh' : 'bash'

  return {
    dialect: {
      shell,
      posixEscapes: shell === 'sh' || setup.flags.FF_POSIXLY_CORRECT_ESCAPES,
      exitCodeCheck: setup.flags.FF_ENABLE_BASH_EXIT_CODE_CHECK,
    },
    outer: { debugTrace: setup.settings.debugTrace, legacyEval: setup.flags.FF_USE_LEGACY_BASH_EVAL },
    variables: variables.items,
    projectDir: setup.paths.projectDir,
    tmpDir: setup.paths.tmpDir,
    scriptSections: setup.flags.FF_SCRIPT_SECTIONS && payload.features.trace_sections,
  }
}

export function prepareStageScript(sources: ScriptSources): string {
  const { hostname } = sources.setup
  if (isPowerShell(sources.setup.shell)) return pwshPrepareStageScript(sources)

  return prepareScript(scriptContext(sources), hostname !== undefined ? { hostname } : {})
}

/** The script of `step_<name>`; undefined when the step has nothing to run. */
export function userStageScript(sources: ScriptSources, stepName: string): string | undefined {
  const step = sources.payload.steps.find((item) => item.name === stepName)
  if (step === undefined) return undefined

  const blocks: UserCommandBlock[] = []
  if (stepName === 'script') blocks.push({ prefix: 'pre_build_script', commands: nonEmpty(sources.runner.pre_build_script) })
  blocks.push({ prefix: `${stepName}_step`, commands: step.script })
  if (stepName === 'script') blocks.push({ prefix: 'post_build_script', commands: nonEmpty(sources.runner.post_build_script) })
  if (step.script.length === 0) return undefined
  if (isPowerShell(sources.setup.shell)) return pwshUserStepScript(pwshContext(sources), { blocks, afterScript: false })

  return userStepScript(scriptContext(sources), { blocks, afterScript: false })
}

export function afterScriptStage(sources: ScriptSources, variables: VariableList): string | undefined {
  const step = sources.payload.steps.find((item) => item.name === 'after_script')
  if (step === undefined || step.script.length === 0) return undefined

  const options = { blocks: [{ prefix: 'after_script_step', commands: step.script }], afterScript: true }
  if (isPowerShell(sources.setup.shell)) return pwshUserStepScript(pwshContext(sources, variables), options)

  return userStepScript(scriptContext(sources, variables), options)
}

function nonEmpty(script: string): string[] {
  return script.trim() === '' ? [] : [script]
}

function hookScripts(payload: JobPayload, name: string): string[] {
  return payload.hooks.filter((hook) => hook.name === name).flatMap((hook) => hook.script)
}

/**
 * clean_git_config defaults to true for every executor, the shell executor included
 * (the official runner defaults it to false there). A shell runner reuses work trees
 * between jobs, and a job can leave `core.fsmonitor`, `core.hooksPath` or hooks in
 * `.git` that would run inside the next job of another user; removing `.git/config` and
 * `.git/hooks` before each fetch (and at cleanup) closes that. `clean_git_config = false`
 * in [[runners]] restores the official behaviour.
 */
function cleanGitConfig(sources: ScriptSources): boolean {
  return sources.setup.settings.gitStrategy !== 'none' && (sources.runner.clean_git_config ?? true)
}

function gitRemote(sources: ScriptSources): GitRemote {
  const { payload } = sources
  try {
    return resolveGitRemote({
      repoUrl: payload.git_info.repo_url,
      cloneUrl: sources.runner.clone_url,
      projectPath: sources.setup.expanded.value('CI_PROJECT_PATH') ?? payload.job_info.project_full_path,
      jobToken: payload.token,
    })
  } catch (err) {
    if (err instanceof GitRemoteError) throw new GlrunnerError('GLR_GIT_REMOTE', 'getting sources', { cause: err })
    throw err
  }
}

/** The remote when the payload's URL is usable; GIT_STRATEGY=none/empty jobs may have none. */
function optionalRemote(sources: ScriptSources): GitRemote | undefined {
  try {
    return gitRemote(sources)
  } catch {
    return undefined
  }
}

export function getSourcesStageScript(sources: ScriptSources): string {
  const { payload, setup, runner } = sources
  const git = payload.git_info
  const fetching = setup.settings.gitStrategy === 'fetch' || setup.settings.gitStrategy === 'clone'
  const remote = fetching ? gitRemote(sources) : optionalRemote(sources)
  if (fetching && !isCommitId(git.sha)) throw new GlrunnerError('GLR_BAD_PAYLOAD', `getting sources: invalid commit id ${JSON.stringify(git.sha)}`)
  const badRefspec = git.refspecs.find((refspec) => !isSafeRefspec(refspec))
  if (fetching && badRefspec !== undefined) throw new GlrunnerError('GLR_BAD_PAYLOAD', `getting sources: invalid refspec ${JSON.stringify(badRefspec)}`)

  const caFile = setup.expanded.entry('CI_SERVER_TLS_CA_FILE') !== undefined ? `${setup.paths.tmpDir}/CI_SERVER_TLS_CA_FILE` : undefined
  const { platform, architecture } = goPlatform()
  try {
    const options = {
      settings: setup.settings,
      remote,
      extConfig: remote === undefined ? '' : extConfigContent(remote, { ...(caFile !== undefined ? { caFile } : {}), bundleUri: setup.flags.FF_USE_GIT_BUNDLE_URIS }),
      sha: git.sha,
      ref: git.ref,
      refspecs: git.refspecs,
      depth: git.depth,
      objectFormat: git.repo_object_format,
      userAgent: `glrunner ${GLRUNNER_VERSION} ${platform}/${architecture}`,
      cleanGitConfig: cleanGitConfig(sources),
      safeDirectory: runner.safe_directory_checkout ?? false,
      preScripts: [...nonEmpty(runner.pre_get_sources_script), ...hookScripts(payload, 'pre_get_sources_script')],
      postScripts: [...hookScripts(payload, 'post_get_sources_script'), ...nonEmpty(runner.post_get_sources_script)],
    }
    if (isPowerShell(setup.shell)) return pwshGetSourcesScript(pwshContext(sources), options)

    return getSourcesScript(scriptContext(sources), options)
  } catch (err) {
    if (err instanceof GetSourcesScriptError || err instanceof GitRemoteError) {
      throw new GlrunnerError('GLR_GET_SOURCES', err.message, { failureReason: 'script_failure' })
    }
    throw err
  }
}

export function clearWorktreeStageScript(sources: ScriptSources): string {
  if (isPowerShell(sources.setup.shell)) return pwshClearWorktreeStageScript(sources)

  return clearWorktreeScript(scriptContext(sources))
}

export function cleanupStageScript(sources: ScriptSources): string {
  const { setup } = sources
  const context = scriptContext(sources)
  const remote = optionalRemote(sources)
  if (isPowerShell(setup.shell)) return pwshCleanupStageScript(sources, { cleanGitConfig: cleanGitConfig(sources), remote })

  return cleanupScript(context, {
    extra: (writer) => {
      if (setup.settings.gitStrategy === 'fetch' || setup.settings.gitStrategy === 'clone') {
        writeGitCleanup(writer, {
          projectDir: setup.paths.projectDir,
          tmpDir: setup.paths.tmpDir,
          cleanGitConfig: cleanGitConfig(sources),
          submodules: setup.settings.submoduleStrategy !== 'none',
        })
      }
      if (setup.flags.FF_ENABLE_JOB_CLEANUP) writeJobCleanup(writer, sources)
      if (remote !== undefined) writeCredentialReject(writer, remote)
    },
  })
}

function writeJobCleanup(writer: ScriptWriter, sources: ScriptSources): void {
  const { setup } = sources
  const strategy = setup.settings.gitStrategy
  if (strategy === 'none') {
    writer.notice('Skipping build directory cleanup step')
    return
  }
  if (strategy === 'clone' || strategy === 'empty') {
    writer.removeTree(setup.paths.projectDir)
    return
  }

  const flags = setup.settings.gitCleanFlags.map((flag) => writer.quote(flag)).join(' ') || '-ffdx'
  writer.ifBlock(`[ -d ${writer.path(`${setup.paths.projectDir}/.git`)} ]`, () => {
    writer.cd(setup.paths.projectDir)
    writer.line(`git clean ${flags}`)
    writer.line('git reset --hard')
    writer.line(`git submodule foreach --recursive git clean ${flags}`)
    writer.line('git submodule foreach --recursive git reset --hard')
  })
}
