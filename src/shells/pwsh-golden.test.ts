/**
 * Golden files of the PowerShell generators: each generated script is compared byte for
 * byte with a reviewed file in pwsh-golden/ (ESC bytes kept raw). A change to a generator
 * shows up as a diff to review; `UPDATE_GOLDEN=1` rewrites the files after that review.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { extConfigContent, resolveGitRemote } from '../helpers/git/remote.js'
import type { GitSourceSettings } from '../helpers/git/types.js'
import type { GetSourcesOptions } from './get-sources.js'
import { pwshClearWorktreeScript, pwshGetSourcesScript, writePwshJobCleanup } from './pwsh-get-sources.js'
import { writePwshCredentialReject, writePwshGitCleanup } from './pwsh-git.js'
import { pwshCleanupScript, pwshUserStepScript, type PwshStageContext } from './pwsh-stage-scripts.js'

const TOKEN = 'glcbt-64_GoldenToken'
const SHA = '0123456789abcdef0123456789abcdef01234567'

function golden(name: string, actual: string): void {
  const file = new URL(`./pwsh-golden/${name}`, import.meta.url)
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual)
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from the reviewed golden file`)
}

function context(overrides: Partial<PwshStageContext> = {}): PwshStageContext {
  return {
    dialect: { shell: 'pwsh', windows: false },
    debugTrace: false,
    fileMode: false,
    variables: [
      { key: 'CI_JOB_ID', value: '42', file: false },
      { key: 'QUOTED', value: 'a "b" $c `d\' #e', file: false },
      { key: 'SECRET_FILE', value: 'line1\nline2', file: true },
    ],
    projectDir: '/builds/t0k/0/g/p',
    tmpDir: '/builds/t0k/0/g/p.tmp',
    ...overrides,
  }
}

function settings(overrides: Partial<GitSourceSettings> = {}): GitSourceSettings {
  return {
    gitStrategy: 'fetch', gitCheckout: true, gitCleanFlags: ['-ffdx'], gitFetchExtraFlags: ['--prune', '--quiet'],
    gitCloneExtraFlags: [], submoduleStrategy: 'none', submodulePaths: [], submoduleDepth: 0, submoduleUpdateFlags: [],
    lfsSkipSmudge: false, lfsSkipSmudgeSet: false,
    ...overrides,
  }
}

function sources(overrides: Partial<GetSourcesOptions> = {}): GetSourcesOptions {
  const remote = resolveGitRemote({ repoUrl: `https://gitlab-ci-token:${TOKEN}@gitlab.example.com/g/p.git`, cloneUrl: '', projectPath: 'g/p', jobToken: TOKEN })

  return {
    settings: settings(), remote, extConfig: extConfigContent(remote, { bundleUri: true }),
    sha: SHA, ref: 'main', refspecs: ['+refs/heads/main:refs/remotes/origin/main'], depth: 20, objectFormat: 'sha1',
    userAgent: 'glrunner 0.0.0 linux/amd64', cleanGitConfig: true, safeDirectory: false, preScripts: [], postScripts: [],
    ...overrides,
  }
}

test('get_sources with GIT_STRATEGY=fetch and a depth matches the reviewed script', () => {
  golden('get-sources-fetch.ps1', pwshGetSourcesScript(context(), sources()))
})

test('get_sources with clone, full depth, recursive submodules and hooks on a relative builds dir matches the reviewed script', () => {
  const script = pwshGetSourcesScript(
    context({ projectDir: 'builds/t0k/0/g/p', tmpDir: 'builds/t0k/0/g/p.tmp' }),
    sources({
      settings: settings({ gitStrategy: 'clone', submoduleStrategy: 'recursive', submoduleDepth: 1, submodulePaths: ['libs/a'], gitCleanFlags: [] }),
      depth: 0, objectFormat: 'sha256', safeDirectory: true, cleanGitConfig: false,
      preScripts: ['Write-Output "pre $env:CI_JOB_ID"'], postScripts: ['Write-Output post'],
    }),
  )
  golden('get-sources-clone-submodules.ps1', script)
})

test('get_sources with GIT_STRATEGY=empty and clear_worktree match the reviewed scripts', () => {
  golden('get-sources-empty.ps1', pwshGetSourcesScript(context({ variables: [] }), sources({ settings: settings({ gitStrategy: 'empty' }) })))
  golden('clear-worktree.ps1', pwshClearWorktreeScript(context({ variables: [] })))
})

test('cleanup_file_variables with git cleanup, job cleanup and credential reject matches the reviewed script', () => {
  const { remote } = sources()
  const script = pwshCleanupScript(context(), {
    extra: (writer) => {
      writePwshGitCleanup(writer, { projectDir: '/builds/t0k/0/g/p', tmpDir: '/builds/t0k/0/g/p.tmp', cleanGitConfig: true, submodules: false })
      writePwshJobCleanup(writer, { strategy: 'fetch', projectDir: '/builds/t0k/0/g/p', cleanFlags: [] })
      if (remote !== undefined) writePwshCredentialReject(writer, remote)
    },
  })
  golden('cleanup-file-variables.ps1', script)
})

test('a Windows PowerShell file-mode user step (custom executor) matches the reviewed script: BOM, CRLF, no wrapper', () => {
  const script = pwshUserStepScript(context({ dialect: { shell: 'powershell', windows: false }, fileMode: true }), {
    blocks: [{ prefix: 'script_step', commands: ['Write-Host "multi', 'dir env:', ''] }], afterScript: false,
  })
  golden('user-step-powershell-file.ps1', script ?? '')
})
