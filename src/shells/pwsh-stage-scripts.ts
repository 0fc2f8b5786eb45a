/**
 * PowerShell versions of the non-git stage scripts: prepare_script, user steps and
 * after_script, cleanup_file_variables, with the variable exports every stage starts with
 * (executors.md 3.3). get_sources is in pwsh-get-sources.ts; cache and artifacts are
 * runner-side stages, not scripts.
 */
import { pwshOuterScript } from './pwsh.js'
import { pwshDoubleQuote } from './pwsh-quote.js'
import { isAbsolutePath, PwshWriter, type PwshDialect } from './pwsh-writer.js'
import { GITLAB_ENV_FILE, TMP_RUNNER_FILES, type ScriptVariable, type UserCommandBlock } from './stage-scripts.js'
import { ANSI } from './script-writer.js'

export interface PwshStageContext {
  dialect: PwshDialect
  debugTrace: boolean
  /** The script is passed as a file (-File) rather than on stdin. */
  fileMode: boolean
  /** The expanded variable list, in order. */
  variables: readonly ScriptVariable[]
  projectDir: string
  tmpDir: string
}

/**
 * The complete script text. Windows PowerShell reads a script file as UTF-8 only with a
 * BOM, so its file-mode scripts start with U+FEFF (written as EF BB BF); pwsh gets none.
 */
export function finishPwsh(writer: PwshWriter, context: PwshStageContext): string {
  const script = pwshOuterScript(writer, { debugTrace: context.debugTrace, fileMode: context.fileMode })

  return context.dialect.shell === 'powershell' && context.fileMode ? `\uFEFF${script}` : script
}

const finish = finishPwsh

/** Exports every variable in order (file variables written to `<tmp>/KEY`), then GITLAB_ENV. */
export function writePwshExports(writer: PwshWriter, context: PwshStageContext): void {
  for (const item of context.variables) {
    if (item.file) writer.exportFileVariable(item.key, item.value, context.tmpDir)
    else writer.exportVariable(item.key, item.value)
  }

  const envFile = writer.join(context.tmpDir, GITLAB_ENV_FILE)
  const quoted = pwshDoubleQuote(envFile)
  if (isAbsolutePath(envFile)) writer.exportVariable('GITLAB_ENV', envFile)
  else writer.exportExpression('GITLAB_ENV', writer.absolute(envFile))
  writer.mkdir(context.tmpDir)
  writer.ifBlock(`!(Test-Path ${quoted})`, () => writer.line(`New-Item -ItemType File -Path ${quoted} | out-null`))
  // split('=', 2): a value may contain '=' itself.
  const unreadable = pwshDoubleQuote(`${ANSI.yellow}Unable to read env file: ${envFile}${ANSI.reset}`)
  writer.line(`Try { Get-Content ${quoted} | ForEach { $k, $v = $_.split('=', 2); Set-Content env:\\$k $v} } Catch { echo ${unreadable} }`)
  writer.line('')
}

/** `Running on <machine>...`, or `Running on <machine> via <hostname>...` (custom: config_exec's hostname). */
export function pwshPrepareScript(context: PwshStageContext, options: { hostname?: string } = {}): string {
  const writer = new PwshWriter(context.dialect)
  const via = options.hostname ? ` via ${pwshDoubleQuote(options.hostname).slice(1, -1)}` : ''
  writer.line(`echo "${ANSI.green}Running on $([Environment]::MachineName)${via}...${ANSI.reset}"`)
  writer.removeFile(writer.join(context.tmpDir, GITLAB_ENV_FILE))
  writer.removeFile(writer.join(context.tmpDir, 'masking.db'))

  return finish(writer, context)
}

/** A user step or after_script; undefined when it has no commands. */
export function pwshUserStepScript(
  context: PwshStageContext,
  options: { blocks: readonly UserCommandBlock[]; afterScript: boolean },
): string | undefined {
  if (options.blocks.every((block) => block.commands.length === 0)) return undefined

  const writer = new PwshWriter(context.dialect)
  writePwshExports(writer, context)
  writer.cd(context.projectDir)
  if (options.afterScript) writer.notice('Running after script...')
  for (const block of options.blocks) {
    for (const raw of block.commands) {
      const command = raw.trim()
      if (command === '') {
        writer.emptyLine()
        continue
      }
      // No section markers for PowerShell: the notice carries the whole command.
      writer.notice(`$ ${command}`)
      writer.userCode(command)
    }
  }

  return finish(writer, context)
}

/** cleanup_file_variables: drops file variables and the runner's temp files, then `extra`. */
export function pwshCleanupScript(context: PwshStageContext, options: { extra?: (writer: PwshWriter) => void } = {}): string {
  const writer = new PwshWriter(context.dialect)
  const keys = new Set(context.variables.filter((item) => item.file).map((item) => item.key))
  for (const key of keys) writer.removeFile(writer.join(context.tmpDir, key))
  for (const name of TMP_RUNNER_FILES) writer.removeFile(writer.join(context.tmpDir, name))
  options.extra?.(writer)

  return finish(writer, context)
}
