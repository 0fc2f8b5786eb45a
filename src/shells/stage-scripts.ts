/**
 * Inner scripts of the non-git stages: prepare_script, user steps, after_script and
 * cleanup_file_variables, plus the variable exports every stage starts with.
 */
import { outerScript, type OuterScriptOptions } from './bash.js'
import { ANSI, ScriptWriter, type ScriptDialect } from './script-writer.js'

export interface ScriptVariable {
  key: string
  value: string
  file: boolean
}

export interface StageScriptContext {
  dialect: ScriptDialect
  outer: OuterScriptOptions
  /** The expanded variable list, in order; keys are valid shell names. */
  variables: readonly ScriptVariable[]
  projectDir: string
  tmpDir: string
  /** Payload `features.trace_sections` and FF_SCRIPT_SECTIONS both on. */
  scriptSections: boolean
}

export const GITLAB_ENV_FILE = 'gitlab_runner_env'

/** Files cleanup_file_variables removes from `<tmp>` besides the file variables. */
export const TMP_RUNNER_FILES = [GITLAB_ENV_FILE, 'masking.db', '.gitlab-runner.ext.conf', '.glr.gconf']

export function newWriter(context: StageScriptContext): ScriptWriter {
  return new ScriptWriter(context.dialect)
}

export function finish(writer: ScriptWriter, context: StageScriptContext): string {
  return outerScript(writer, context.outer)
}

/** Exports every variable in order (file variables written to `<tmp>/KEY`), then GITLAB_ENV. */
export function writeExports(writer: ScriptWriter, context: StageScriptContext): void {
  const relativeTmp = !context.tmpDir.startsWith('/')
  for (const item of context.variables) {
    if (!item.file) {
      // With a relative temp dir, values naming a file in it are made absolute (4.6).
      const inTmp = relativeTmp && (item.value === context.tmpDir || item.value.startsWith(`${context.tmpDir}/`))
      if (inTmp) writer.line(`export ${item.key}=${writer.absolutePath(item.value, writer.quote)}`)
      else writer.exportVariable(item.key, item.value)
      continue
    }

    const file = `${context.tmpDir}/${item.key}`
    writer.mkdir(context.tmpDir)
    writer.line(`printf '%s' ${writer.quote(item.value)} > ${writer.path(file)}`)
    writer.line(`export ${item.key}=${writer.absolutePath(file)}`)
  }

  const envFile = `${context.tmpDir}/${GITLAB_ENV_FILE}`
  writer.line(`export GITLAB_ENV=${writer.absolutePath(envFile, writer.quote)}`)
  writer.mkdir(context.tmpDir)
  writer.line(`touch ${writer.path(envFile)}`)
  writer.line(`while read -r line; do export "$line"; done < ${writer.path(envFile)}`)
}

/**
 * prepare_script: `Running on $(hostname)...`, or `Running on $(hostname) via <hostname>...`
 * when the runner side has a host name to show (custom: config_exec's `hostname`).
 */
export function prepareScript(context: StageScriptContext, options: { hostname?: string } = {}): string {
  const writer = newWriter(context)
  const via = options.hostname ? ` via "${writer.quote(options.hostname)}"` : ''
  const text = `"${ANSI.green}Running on $(hostname)${via}...${ANSI.reset}"`
  writer.line(context.dialect.shell === 'sh' ? `printf '%s\\n' ${text}` : `echo ${text}`)
  writer.removeFile(`${context.tmpDir}/${GITLAB_ENV_FILE}`)
  writer.removeFile(`${context.tmpDir}/masking.db`)

  return finish(writer, context)
}

export interface UserCommandBlock {
  /** Section id prefix for FF_SCRIPT_SECTIONS: `script_step`, `after_script_step`, … */
  prefix: string
  commands: readonly string[]
}

/** A user step (`step_*`) or after_script; undefined when it has no commands at all. */
export function userStepScript(
  context: StageScriptContext,
  options: { blocks: readonly UserCommandBlock[]; afterScript: boolean },
): string | undefined {
  if (options.blocks.every((block) => block.commands.length === 0)) return undefined

  const writer = newWriter(context)
  writeExports(writer, context)
  writer.cd(context.projectDir)
  if (options.afterScript) writer.notice('Running after script...')
  for (const block of options.blocks) writeUserCommands(writer, context, block)

  return finish(writer, context)
}

function writeUserCommands(writer: ScriptWriter, context: StageScriptContext, block: UserCommandBlock): void {
  block.commands.forEach((raw, index) => {
    const command = raw.trim()
    if (command === '') {
      writer.emptyLine()
      writer.userCode('')
      return
    }

    const newline = command.indexOf('\n')
    if (newline === -1) writer.notice(`$ ${command}`)
    else if (context.scriptSections) writeCommandSection(writer, `section_${block.prefix}_${index}`, command)
    else writer.notice(`$ ${command.slice(0, newline)} # collapsed multi-line command`)
    writer.userCode(command)
  })
}

const NOW = `$(awk 'BEGIN{srand(); print srand()}')`

function writeCommandSection(writer: ScriptWriter, section: string, command: string): void {
  const start = `\r${ANSI.clear}${ANSI.green}$ ${command}${ANSI.reset}`
  // printf '%s' instead of the official '%b' so backslashes in the command stay as typed.
  writer.line(`printf '%s\\n' "section_start:${NOW}:${section}[hide_duration=true,collapsed=true]"${writer.quote(start)}`)
  writer.line(`printf '%s\\n' "section_end:${NOW}:${section}"${writer.quote(`\r${ANSI.clear}`)}`)
}

export interface CleanupScriptOptions {
  /** Extra lines (git config/lock cleanup, job cleanup) written after the file removal. */
  extra?: (writer: ScriptWriter) => void
}

/** cleanup_file_variables: drops file variables and the runner's temp files. */
export function cleanupScript(context: StageScriptContext, options: CleanupScriptOptions = {}): string {
  const writer = newWriter(context)
  const files = context.variables.filter((item) => item.file)
  for (const item of files) writer.line(`export ${item.key}=${writer.absolutePath(`${context.tmpDir}/${item.key}`)}`)
  for (const key of new Set(files.map((item) => item.key))) writer.removeFile(`${context.tmpDir}/${key}`)
  for (const name of TMP_RUNNER_FILES) writer.removeFile(`${context.tmpDir}/${name}`)
  options.extra?.(writer)

  return finish(writer, context)
}
