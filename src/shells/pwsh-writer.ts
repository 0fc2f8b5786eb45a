/**
 * Collects the body of one stage's PowerShell script (executors.md 3.3): every
 * runner-generated command as `& "<command>" '<arg>'…` followed by the exit check and an
 * empty line (stdin mode reads statements line by line, the empty line ends each one),
 * echo lines with raw ANSI escapes, `${KEY}="…"` / `${env:KEY}=${KEY}` exports.
 */
import { pwshDoubleQuote, pwshSingleQuote } from './pwsh-quote.js'
import { ANSI } from './script-writer.js'

export type PowerShellName = 'pwsh' | 'powershell'

export interface PwshDialect {
  shell: PowerShellName
  /** The runner runs on Windows: `\r\n` for pwsh too, `\` in joined paths. */
  windows: boolean
}

/** After every command: exit with its code when it failed ($? false). */
export const PWSH_EXIT_CHECK = 'if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }'

/** `/x`, `\\x`, `C:\\x` or `C:/x`. */
export function isAbsolutePath(path: string): boolean {
  return /^([/\\]|[A-Za-z]:[/\\])/.test(path)
}

/** `\r\n` for Windows PowerShell always and for pwsh on Windows, `\n` otherwise. */
export function pwshEol(dialect: PwshDialect): string {
  return dialect.shell === 'powershell' || dialect.windows ? '\r\n' : '\n'
}

export class PwshWriter {
  readonly lines: string[] = []
  #indent = ''

  constructor(readonly dialect: PwshDialect) {}

  /** Raw PowerShell code, indented inside blocks. */
  line(code: string): void {
    this.lines.push(code === '' ? '' : this.#indent + code)
  }

  /** Joins path parts with the runner OS's separator. */
  join(...parts: string[]): string {
    return parts.join(this.dialect.windows ? '\\' : '/')
  }

  /** `& "<command>" '<arg>'…`, the exit check and an empty line. */
  command(command: string, ...args: string[]): void {
    this.line(['&', pwshDoubleQuote(command), ...args.map(pwshSingleQuote)].join(' '))
    this.checkExit()
  }

  checkExit(): void {
    this.line(PWSH_EXIT_CHECK)
    this.line('')
  }

  /** Prints `text` as is (ESC bytes travel raw inside the double-quoted string). */
  print(text: string): void {
    this.line(`echo ${pwshDoubleQuote(text)}`)
  }

  notice(message: string): void {
    this.print(`${ANSI.green}${message}${ANSI.reset}`)
  }

  warning(message: string): void {
    this.print(`${ANSI.yellow}${message}${ANSI.reset}`)
  }

  error(message: string): void {
    this.print(`${ANSI.red}${message}${ANSI.reset}`)
  }

  emptyLine(): void {
    this.line('echo ""')
  }

  exportVariable(key: string, value: string): void {
    this.line(`\${${key}}=${pwshDoubleQuote(value)}`)
    this.line(`\${env:${key}}=\${${key}}`)
  }

  /** `${KEY}=<expression>` (PowerShell code, not quoted here) and its environment copy. */
  exportExpression(key: string, expression: string): void {
    this.line(`\${${key}}=${expression}`)
    this.line(`\${env:${key}}=\${${key}}`)
  }

  /**
   * A path as a PowerShell expression naming an absolute path: quoted as is when absolute;
   * a relative one (SSH's default `builds`) resolved against the stage's starting
   * location, so it still names the same file after a `cd` and from inside `.git/`.
   */
  absolute(path: string): string {
    if (isAbsolutePath(path)) return pwshDoubleQuote(path)

    return `$ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath(${pwshDoubleQuote(path)})`
  }

  /** A file variable: the content written to `<dir>/<KEY>`, the variable set to its path. */
  exportFileVariable(key: string, content: string, dir: string): void {
    const file = this.join(dir, key)
    this.mkdir(dir)
    if (isAbsolutePath(file)) {
      this.line(`[System.IO.File]::WriteAllText(${pwshDoubleQuote(file)}, ${pwshDoubleQuote(content)})`)
      this.exportVariable(key, file)
      return
    }
    // .NET resolves relative paths against the process directory, not the PowerShell
    // location: resolve first, then write to the resolved path.
    this.exportExpression(key, this.absolute(file))
    this.line(`[System.IO.File]::WriteAllText(\${${key}}, ${pwshDoubleQuote(content)})`)
  }

  /** Raw PowerShell code that runs a command (arguments may hold variables), then the exit check. */
  commandLine(code: string): void {
    this.line(code)
    this.checkExit()
  }

  /**
   * `then` when the command line exits 0, `otherwise` when it fails or cannot start
   * (`quiet` drops its output). Try/Catch because a missing command, and before pwsh 7.2
   * a native command writing to redirected stderr, is a terminating error under
   * `$ErrorActionPreference = "Stop"`.
   */
  ifSucceeds(code: string, options: { quiet: boolean }, then: () => void, otherwise?: () => void): void {
    this.line('$glr_ok = $false')
    this.line('Try {')
    this.#nested(() => {
      this.line(`${code}${options.quiet ? ' 2>$null | out-null' : ''}`)
      this.line('$glr_ok = ($LASTEXITCODE -eq 0)')
    })
    this.line('} Catch {')
    this.#nested(() => this.line('$glr_ok = $false'))
    this.line('}')
    this.ifBlock('$glr_ok', then, otherwise)
  }

  cd(dir: string): void {
    this.line(`cd ${pwshDoubleQuote(dir)}`)
    this.checkExit()
  }

  mkdir(dir: string): void {
    this.line(`New-Item -ItemType directory -Force -Path ${pwshDoubleQuote(dir)} | out-null`)
  }

  removeFile(file: string): void {
    this.ifBlock(`Test-Path ${pwshDoubleQuote(file)} -PathType Leaf`, () => this.line(`Remove-Item -Force ${pwshDoubleQuote(file)}`))
  }

  removeTree(dir: string): void {
    this.ifBlock(`Test-Path ${pwshDoubleQuote(dir)} -PathType Container`, () =>
      this.line(`Remove-Item -Force -Recurse ${pwshDoubleQuote(dir)}`),
    )
  }

  ifBlock(condition: string, then: () => void, otherwise?: () => void): void {
    this.line(`if(${condition}) {`)
    this.#nested(then)
    if (otherwise !== undefined) {
      this.line('} else {')
      this.#nested(otherwise)
    }
    this.line('}')
    this.line('')
  }

  /** The user's own code, verbatim and unindented, then the exit check. */
  userCode(code: string): void {
    this.lines.push(code)
    this.checkExit()
  }

  #nested(body: () => void): void {
    const saved = this.#indent
    this.#indent += '  '
    body()
    this.#indent = saved
  }

  /** The body: every line ends with the dialect's EOL. */
  toString(): string {
    const eol = pwshEol(this.dialect)

    return this.lines.map((line) => `${line}${eol}`).join('')
  }
}
