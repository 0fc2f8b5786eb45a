/**
 * shell = "pwsh" / "powershell" through the engine: every stage of a custom-executor job
 * gets a PowerShell script file (the capturing driver keeps them instead of running them,
 * since pwsh is not installable here), get_sources included, written as the spec's file
 * mode asks (.ps1; a BOM for Windows PowerShell only).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { customExecutorProvider } from '../../src/executors/custom/provider.js'
import { basePayload, runJob, scratchDir } from '../conformance/run-job.js'

const DRIVER = fileURLToPath(new URL('../fakes/capturing-custom-driver.sh', import.meta.url))
const CHECK = 'if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }'

async function capture(shell: 'pwsh' | 'powershell'): Promise<{ files: string[]; read: (name: string) => Buffer; text: string; state: string }> {
  const scratch = scratchDir('glr-custom-pwsh-')
  const dir = join(scratch.dir, 'scripts')
  mkdirSync(dir)
  const payload = basePayload({
    git_info: { repo_url: 'https://gitlab-ci-token:glcbt-64_TestJobToken123456789@gitlab.example.com/g/p.git', ref: 'main', sha: '0123456789abcdef0123456789abcdef01234567', before_sha: '', ref_type: 'branch', refspecs: ['+refs/heads/main:refs/remotes/origin/main'], depth: 5 },
    variables: [{ key: 'CI_JOB_TOKEN', value: 'glcbt-64_TestJobToken123456789', masked: true }, { key: 'GIT_STRATEGY', value: 'fetch' }],
    steps: [{ name: 'script', script: ['Write-Output "hi $env:CI_JOB_ID"'], when: 'on_success' }, { name: 'after_script', script: ['Write-Output bye'], when: 'always' }],
  })
  try {
    const out = await runJob({
      payload,
      provider: customExecutorProvider,
      runner: { executor: 'custom', shell, builds_dir: '/builds', cache_dir: '/cache', custom: { run_exec: DRIVER, run_args: [dir] } },
    })
    const files = readdirSync(dir).sort()
    const contents = new Map(files.map((name) => [name, readFileSync(join(dir, name))]))

    return { files, read: (name) => contents.get(name) ?? Buffer.alloc(0), text: out.text, state: out.result.state }
  } finally {
    scratch.remove()
  }
}

test('with shell = "pwsh" every stage of a custom job is a pwsh .ps1 file, get_sources included', async () => {
  const out = await capture('pwsh')
  assert.equal(out.state, 'success', out.text)
  assert.deepEqual(out.files, [
    '00-prepare_script-script.ps1', '01-get_sources-script.ps1', '02-build_script-script.ps1',
    '03-after_script-script.ps1', '04-cleanup_file_variables-script.ps1',
  ])
  for (const name of out.files) {
    const text = out.read(name).toString('utf8')
    assert.ok(text.startsWith('#!/usr/bin/env pwsh\n& {\n\n$ErrorActionPreference = "Stop"\n'), `${name}: ${text.slice(0, 80)}`)
    assert.notEqual(out.read(name)[0], 0xef, `${name} has no BOM`)
  }

  const sources = out.read('01-get_sources-script.ps1').toString('utf8')
  assert.match(sources, /& "git" 'init' '\/builds\/g\/p' '--template' '\/builds\/g\/p\.tmp\/git-template'\n/)
  assert.match(sources, new RegExp(`& "git" '-c' 'http\\.userAgent=glrunner [^']+' 'fetch' 'origin' '--no-recurse-submodules' '\\+refs/heads/main:refs/remotes/origin/main' '--depth' '5' '--prune' '--quiet'\\n${CHECK.replace(/[$(){}|?!]/g, '\\$&')}`))
  assert.match(sources, /& "git" '-c' 'submodule\.recurse=false' 'checkout' '-f' '-q' '0123456789abcdef0123456789abcdef01234567'/)
  assert.match(sources, /& "git" 'remote' 'add' 'origin' 'https:\/\/gitlab\.example\.com\/g\/p\.git' 2>\$null/, 'the remote URL holds no token')
  assert.match(sources, /\[System\.IO\.File\]::WriteAllText\(\$GLR_EXT_GIT_CONFIG_PATH, ".*`"https:\/\/gitlab-ci-token:glcbt-64_TestJobToken123456789@/)

  const build = out.read('02-build_script-script.ps1').toString('utf8')
  assert.ok(build.includes(`Write-Output "hi $env:CI_JOB_ID"\n${CHECK}\n`))
  assert.match(out.read('00-prepare_script-script.ps1').toString('utf8'), /Running on \$\(\[Environment\]::MachineName\)\.\.\./)
})

test('with shell = "powershell" the custom executor files start with a BOM, use CRLF and have no wrapper', async () => {
  const out = await capture('powershell')
  assert.equal(out.state, 'success', out.text)
  assert.equal(out.files.length, 5)
  for (const name of out.files) {
    const bytes = out.read(name)
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], `${name} starts with one BOM`)
    assert.notDeepEqual([...bytes.subarray(3, 6)], [0xef, 0xbb, 0xbf], `${name} has only one BOM`)
    const text = bytes.toString('utf8').slice(1)
    assert.ok(!text.startsWith('& {') && !text.includes('ErrorActionPreference'), name)
    assert.ok(!/[^\r]\n/.test(text), `${name}: every newline is CRLF`)
  }
})
