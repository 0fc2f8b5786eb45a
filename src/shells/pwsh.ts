/**
 * The complete PowerShell script of a stage and how the shell is started (executors.md
 * 3.1, 3.2). pwsh in stdin mode starts an outer pwsh with an encoded bootstrap that forces
 * UTF-8 console encodings and runs an inner pwsh reading the script from stdin; Windows
 * PowerShell reads `-Command -`; file mode (custom executor, FF_DISABLE_POWERSHELL_STDIN)
 * passes a `.ps1` with `-File`.
 */
import { pwshEol, type PowerShellName, type PwshWriter } from './pwsh-writer.js'

export interface PwshOuterOptions {
  /** CI_DEBUG_TRACE in effect: `Set-PSDebug -Trace 2`. */
  debugTrace: boolean
  /** The script goes into a file passed with -File (changes the powershell wrapper). */
  fileMode: boolean
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

/**
 * The script text. pwsh: shebang (non-Windows), `& {`, an empty line, the optional trace,
 * `$ErrorActionPreference = "Stop"`, the body, `}` and an empty line. powershell: no
 * shebang, no ErrorActionPreference, and in file mode no `& { }` wrapper (the BOM that
 * pwshScriptBytes adds takes its place).
 */
export function pwshOuterScript(body: PwshWriter, options: PwshOuterOptions): string {
  const { dialect } = body
  const eol = pwshEol(dialect)
  const wrapped = !(dialect.shell === 'powershell' && options.fileMode)
  const head: string[] = []
  if (dialect.shell === 'pwsh' && eol === '\n') head.push('#!/usr/bin/env pwsh')
  if (wrapped) head.push('& {', '')
  if (options.debugTrace) head.push('Set-PSDebug -Trace 2')
  if (dialect.shell === 'pwsh') head.push('$ErrorActionPreference = "Stop"')

  const tail = wrapped ? ['}', ''] : []

  return head.map((line) => line + eol).join('') + body.toString() + tail.map((line) => line + eol).join('')
}

/** The bytes to send or write: UTF-8 without BOM, except Windows PowerShell's script files. */
export function pwshScriptBytes(script: string, options: { shell: PowerShellName; fileMode: boolean }): Buffer {
  const bytes = Buffer.from(script, 'utf8')
  // finishPwsh already starts such scripts with U+FEFF: never two BOMs.
  const needsBom = options.shell === 'powershell' && options.fileMode && !script.startsWith('\uFEFF')

  return needsBom ? Buffer.concat([UTF8_BOM, bytes]) : bytes
}

/** The bootstrap the outer pwsh runs (CRLF-separated, as the official runner sends it). */
export const PWSH_STDIN_BOOTSTRAP = [
  '$OutputEncoding = [console]::InputEncoding = [console]::OutputEncoding = New-Object System.Text.UTF8Encoding',
  'pwsh -NoProfile -NonInteractive -Command -',
  'if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }',
].join('\r\n')

/** `-EncodedCommand` takes base64 of UTF-16LE text. */
export function encodePwshCommand(text: string): string {
  return Buffer.from(text, 'utf16le').toString('base64')
}

const COMMON_ARGS = ['-NoProfile', '-NoLogo', '-InputFormat', 'text', '-OutputFormat', 'text', '-NonInteractive', '-ExecutionPolicy', 'Bypass']

/** Command and arguments that read the script from stdin. */
export function pwshStdinInvocation(shell: PowerShellName): { command: string; args: string[] } {
  if (shell === 'pwsh') return { command: 'pwsh', args: [...COMMON_ARGS, '-EncodedCommand', encodePwshCommand(PWSH_STDIN_BOOTSTRAP)] }

  return { command: 'powershell', args: [...COMMON_ARGS, '-Command', '-'] }
}

/** Command and arguments that run a script file. */
export function pwshFileInvocation(shell: PowerShellName, scriptPath: string): { command: string; args: string[] } {
  return { command: shell, args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', scriptPath] }
}
