import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { pwshDoubleQuote, pwshSingleQuote } from './pwsh-quote.js'
import { PwshWriter } from './pwsh-writer.js'
import { encodePwshCommand, pwshFileInvocation, pwshScriptBytes, pwshStdinInvocation, PWSH_STDIN_BOOTSTRAP } from './pwsh.js'
import { pwshCleanupScript, pwshPrepareScript, pwshUserStepScript, type PwshStageContext } from './pwsh-stage-scripts.js'

const CHECK = 'if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }'
const ESC = '\x1b'

function context(overrides: Partial<PwshStageContext> = {}): PwshStageContext {
  return {
    dialect: { shell: 'pwsh', windows: false },
    debugTrace: false,
    fileMode: false,
    variables: [{ key: 'GREETING', value: 'it\'s "$HOME" #1\n', file: false }],
    projectDir: '/builds/group/project',
    tmpDir: '/builds/group/project.tmp',
    ...overrides,
  }
}

test('double quoting escapes with backticks everything PowerShell would interpret', () => {
  assert.equal(pwshDoubleQuote('a`b$c"d\'e#f\ng\rh\ti'), '"a``b`$c`"d`\'e`#f`ng`rh`ti"')
  assert.equal(pwshDoubleQuote('\u201cquoted\u201d \u201elow'), '"`\u201cquoted`\u201d `\u201elow"')
  assert.equal(pwshDoubleQuote(`${ESC}[32;1m`), `"${ESC}[32;1m"`, 'ESC stays a raw byte')
})

test("single quoting doubles quotes, typographic ones too, and nothing else", () => {
  assert.equal(pwshSingleQuote("it's $x `y`"), "'it''s $x `y`'")
  assert.equal(pwshSingleQuote('\u2019'), "'\u2019\u2019'")
})

test('a runner command is & "cmd" with single-quoted args, the exit check and an empty line', () => {
  const writer = new PwshWriter({ shell: 'pwsh', windows: false })
  writer.command('git', 'fetch', "it's")
  assert.equal(writer.toString(), `& "git" 'fetch' 'it''s'\n${CHECK}\n\n`)
})

test('a pwsh user step matches the reviewed layout', () => {
  const script = pwshUserStepScript(context(), { blocks: [{ prefix: 'script_step', commands: ['Write-Output "hi $env:GREETING"'] }], afterScript: false })
  const expected = [
    '#!/usr/bin/env pwsh',
    '& {',
    '',
    '$ErrorActionPreference = "Stop"',
    '${GREETING}="it`\'s `"`$HOME`" `#1`n"',
    '${env:GREETING}=${GREETING}',
    '${GITLAB_ENV}="/builds/group/project.tmp/gitlab_runner_env"',
    '${env:GITLAB_ENV}=${GITLAB_ENV}',
    'New-Item -ItemType directory -Force -Path "/builds/group/project.tmp" | out-null',
    'if(!(Test-Path "/builds/group/project.tmp/gitlab_runner_env")) {',
    '  New-Item -ItemType File -Path "/builds/group/project.tmp/gitlab_runner_env" | out-null',
    '}',
    '',
    `Try { Get-Content "/builds/group/project.tmp/gitlab_runner_env" | ForEach { $k, $v = $_.split('=', 2); Set-Content env:\\$k $v} } Catch { echo "${ESC}[0;33mUnable to read env file: /builds/group/project.tmp/gitlab_runner_env${ESC}[0;m" }`,
    '',
    'cd "/builds/group/project"',
    CHECK,
    '',
    `echo "${ESC}[32;1m\`$ Write-Output \`"hi \`$env:GREETING\`"${ESC}[0;m"`,
    'Write-Output "hi $env:GREETING"',
    CHECK,
    '',
    '}',
    '',
  ].join('\n') + '\n'
  assert.equal(script, expected)
})

test('file variables are written with WriteAllText and point at their file', () => {
  const script = pwshUserStepScript(context({ variables: [{ key: 'KUBECONFIG', value: 'line1\nline2', file: true }] }), {
    blocks: [{ prefix: 'script_step', commands: ['echo ok'] }], afterScript: false,
  }) ?? ''
  assert.ok(script.includes('[System.IO.File]::WriteAllText("/builds/group/project.tmp/KUBECONFIG", "line1`nline2")\n${KUBECONFIG}="/builds/group/project.tmp/KUBECONFIG"\n'))
  assert.equal(pwshUserStepScript(context(), { blocks: [{ prefix: 'x', commands: [] }], afterScript: false }), undefined)
})

test('CI_DEBUG_TRACE puts Set-PSDebug before the error preference', () => {
  const script = pwshPrepareScript(context({ debugTrace: true }))
  assert.ok(script.startsWith('#!/usr/bin/env pwsh\n& {\n\nSet-PSDebug -Trace 2\n$ErrorActionPreference = "Stop"\n'), script)
  assert.ok(script.includes('echo "\x1b[32;1mRunning on $([Environment]::MachineName)...\x1b[0;m"'))
})

test('Windows PowerShell uses CRLF, no shebang, no error preference, and in file mode a BOM instead of the wrapper', () => {
  const stdin = pwshCleanupScript(context({ dialect: { shell: 'powershell', windows: true }, variables: [] }))
  assert.ok(stdin.startsWith('& {\r\n\r\nif(Test-Path'), stdin)
  assert.ok(!stdin.includes('ErrorActionPreference'))
  assert.ok(!/[^\r]\n/.test(stdin), 'every newline is CRLF')
  assert.ok(stdin.endsWith('}\r\n\r\n'))

  const file = pwshCleanupScript(context({ dialect: { shell: 'powershell', windows: true }, variables: [], fileMode: true }))
  assert.ok(file.startsWith('\uFEFFif(Test-Path'), file)
  const bytes = pwshScriptBytes(file, { shell: 'powershell', fileMode: true })
  assert.deepEqual([...bytes.subarray(0, 4)], [0xef, 0xbb, 0xbf, 'i'.charCodeAt(0)], 'exactly one BOM')
  assert.deepEqual([...pwshScriptBytes(file.slice(1), { shell: 'powershell', fileMode: true }).subarray(0, 3)], [0xef, 0xbb, 0xbf])
  const pwshFile = pwshCleanupScript(context({ variables: [], fileMode: true }))
  assert.equal(pwshScriptBytes(pwshFile, { shell: 'pwsh', fileMode: true })[0], '#'.charCodeAt(0), 'pwsh files have no BOM')
})

test('pwsh on Windows keeps the wrapper and error preference but drops the shebang and joins paths with backslashes', () => {
  const script = pwshCleanupScript(context({ dialect: { shell: 'pwsh', windows: true }, tmpDir: 'C:\\b\\p.tmp', variables: [] }))
  assert.ok(script.startsWith('& {\r\n\r\n$ErrorActionPreference = "Stop"\r\n'))
  assert.ok(script.includes('"C:\\b\\p.tmp\\gitlab_runner_env"'))
})

test('the stdin invocation encodes the UTF-8 bootstrap as UTF-16LE base64', () => {
  const { command, args } = pwshStdinInvocation('pwsh')
  assert.equal(command, 'pwsh')
  assert.deepEqual(args.slice(0, -1), ['-NoProfile', '-NoLogo', '-InputFormat', 'text', '-OutputFormat', 'text', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand'])
  assert.equal(Buffer.from(args.at(-1) ?? '', 'base64').toString('utf16le'), PWSH_STDIN_BOOTSTRAP)
  assert.equal(encodePwshCommand('A'), 'QQA=')
  assert.deepEqual(pwshStdinInvocation('powershell').args.slice(-2), ['-Command', '-'])
  assert.deepEqual(pwshFileInvocation('pwsh', '/t/script.ps1').args, ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', '/t/script.ps1'])
})

const pwshPath = spawnSync('sh', ['-c', 'command -v pwsh'], { encoding: 'utf8' }).stdout.trim()
const noPwsh = pwshPath === '' ? 'pwsh is not on the PATH (not packaged for Debian); generated scripts were not executed' : false
if (noPwsh !== false) console.warn(`\n*** SKIPPING PowerShell execution tests: ${noPwsh} ***\n`)

function runPwsh(commands: string[]): { status: number | null; stdout: string } {
  const script = pwshUserStepScript(context({ projectDir: process.cwd() }), { blocks: [{ prefix: 'script_step', commands }], afterScript: false }) ?? ''
  const { command, args } = pwshStdinInvocation('pwsh')
  const result = spawnSync(command, args, { input: script, encoding: 'utf8', timeout: 60_000 })

  return { status: result.status, stdout: result.stdout }
}

test('in real pwsh a native command exit code fails the job with that code', { skip: noPwsh }, () => {
  const result = runPwsh(['Write-Output hi', 'bash -c "exit 4"', 'Write-Output never'])
  assert.equal(result.status, 4)
  assert.match(result.stdout, /hi/)
  assert.doesNotMatch(result.stdout, /\nnever/)
})

test('in real pwsh a failing cmdlet stops the script', { skip: noPwsh }, () => {
  const result = runPwsh(['Get-Item /does/not/exist', 'Write-Output never'])
  assert.notEqual(result.status, 0)
  assert.doesNotMatch(result.stdout, /\nnever/)
})
