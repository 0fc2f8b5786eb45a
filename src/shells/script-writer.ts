/**
 * Collects the lines of one stage's inner script. Every argument is quoted unless the
 * caller passes shell code on purpose (`line`), so data never becomes code.
 */
import { quoteAnsiC, quotePathLikeGo, quotePosix, type Quoter } from './quote.js'

export type PosixShell = 'bash' | 'sh'

export const ANSI = {
  reset: '\x1b[0;m',
  green: '\x1b[32;1m',
  yellow: '\x1b[0;33m',
  red: '\x1b[31;1m',
  clear: '\x1b[0K',
} as const

export interface ScriptDialect {
  shell: PosixShell
  /** POSIX double-quote escaping instead of `$'…'` (sh always; bash with FF_POSIXLY_CORRECT_ESCAPES). */
  posixEscapes: boolean
  /** FF_ENABLE_BASH_EXIT_CODE_CHECK: test `$?` after every user command. */
  exitCodeCheck: boolean
}

export const EXIT_CODE_CHECK = '_runner_exit_code=$?; if [ $_runner_exit_code -ne 0 ]; then exit $_runner_exit_code; fi'

export class ScriptWriter {
  readonly lines: string[] = []
  readonly quote: Quoter
  #indent = ''

  constructor(readonly dialect: ScriptDialect) {
    this.quote = dialect.posixEscapes ? quotePosix : quoteAnsiC
  }

  /** A path written the way Go's `%q` would for ordinary paths, safely for odd ones. */
  path(value: string): string {
    return quotePathLikeGo(value, this.quote)
  }

  /** Raw shell code, indented inside blocks. */
  line(code: string): void {
    this.lines.push(code === '' ? '' : this.#indent + code)
  }

  /** A command whose every word is quoted. */
  command(...words: string[]): void {
    this.line(words.map((word) => this.quote(word)).join(' '))
  }

  /** Prints `text` verbatim plus a newline (echo for bash; printf for sh, whose echo eats backslashes). */
  print(text: string): void {
    if (text === '') {
      this.line('echo')
      return
    }
    this.line(this.dialect.shell === 'sh' ? `printf '%s\\n' ${this.quote(text)}` : `echo ${this.quote(text)}`)
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
    this.line('echo')
  }

  exportVariable(key: string, value: string): void {
    this.line(`export ${key}=${this.quote(value)}`)
  }

  /**
   * A path value to export: as `path()` writes it when absolute; a relative one (a
   * relative builds_dir, e.g. SSH's default `builds`) is anchored to the stage's starting
   * directory as `"$PWD"/<path>`, so it still names the same file after a `cd` and when
   * git resolves it from inside `.git/` (job-execution.md 4.6).
   */
  absolutePath(value: string, render: (value: string) => string = (text) => this.path(text)): string {
    return value.startsWith('/') ? render(value) : `"$PWD"/${render(value)}`
  }

  cd(dir: string): void {
    this.line(`cd ${this.quote(dir)}`)
  }

  mkdir(dir: string): void {
    this.line(`mkdir -p ${this.path(dir)}`)
  }

  removeFile(file: string): void {
    this.line(`rm -f ${this.path(file)}`)
  }

  /** `rm -r -f` after making everything writable (git objects are read-only). */
  removeTree(dir: string): void {
    this.ifBlock(`[ -d ${this.path(dir)} ]`, () => this.line(`chmod -R u+rwX ${this.path(dir)}`))
    this.line(`rm -r -f ${this.path(dir)}`)
  }

  ifBlock(condition: string, then: () => void, otherwise?: () => void): void {
    this.line(`if ${condition}; then`)
    this.#nested(then)
    if (otherwise !== undefined) {
      this.line('else')
      this.#nested(otherwise)
    }
    this.line('fi')
  }

  /** The user's own shell code: not quoted, not indented; followed by the exit check when on. */
  userCode(code: string): void {
    this.lines.push(code)
    if (this.dialect.exitCodeCheck) this.lines.push(EXIT_CODE_CHECK)
  }

  #nested(body: () => void): void {
    const saved = this.#indent
    this.#indent += '  '
    body()
    this.#indent = saved
  }

  /** The inner script: every line ends with a newline. */
  toString(): string {
    return this.lines.map((line) => `${line}\n`).join('')
  }
}
