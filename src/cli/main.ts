/**
 * The `glrunner` program: global options, subcommands, and the one place errors become
 * `ERROR: …` lines and exit status 1 (a stack trace only with --debug).
 *
 * Runs when executed directly (`node src/cli/main.ts`, `bin/glrunner`); importing it
 * (tests, the integrator) only gives buildProgram() and main().
 */
import { realpathSync } from 'node:fs'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command, CommanderError, Option } from 'commander'
import { formatError, GlrunnerError } from '../core/errors.js'
import { GLRUNNER_VERSION } from '../core/version.js'
import { listCommand } from './list.js'
import { registerCommand } from './register.js'
import { unregisterCommand } from './unregister.js'
import { verifyCommand } from './verify.js'

const EXAMPLES = `
Examples:
  glrunner register --url https://gitlab.example.com --token glrt-XXXX --executor shell
  glrunner list
  glrunner verify --delete
  glrunner run
  glrunner unregister --name build-box
  glrunner exec                       run this repository's .gitlab-ci.yml locally
`

/**
 * Commands whose modules pull in the whole agent (manager, engine, executors). They are
 * imported only when the command line may need them, so `register`, `list` and friends
 * start in half the time.
 */
const AGENT_COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run.js')).runCommand(),
  'run-single': async () => (await import('./run-single.js')).runSingleCommand(),
  exec: async () => (await import('./exec.js')).execCommand(),
  cleanup: async () => (await import('./cleanup.js')).cleanupCommand(),
  install: async () => (await import('./install.js')).installCommand(),
  uninstall: async () => (await import('./install.js')).uninstallCommand(),
  start: async () => (await import('./service.js')).serviceCommand('start'),
  stop: async () => (await import('./service.js')).serviceCommand('stop'),
  restart: async () => (await import('./service.js')).serviceCommand('restart'),
  status: async () => (await import('./service.js')).serviceCommand('status'),
}
const LIFECYCLE_COMMANDS = new Set(['register', 'verify', 'unregister', 'list'])
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['-l', '--log-level', '--log-format'])

/**
 * The agent commands to load for this command line: only the one named, none for the
 * lifecycle commands and `--version`, all of them for help and unknown names (so help
 * lists them and a typo gets a suggestion).
 */
export async function loadAgentCommands(argv: string[]): Promise<Command[]> {
  const name = subcommandName(argv)
  if (name !== undefined && LIFECYCLE_COMMANDS.has(name)) return []
  const load = name !== undefined ? AGENT_COMMANDS[name] : undefined
  if (load !== undefined) return [await load()]
  if (name === undefined && argv.slice(2).some((arg) => arg === '-v' || arg === '--version')) return []

  return Promise.all(Object.values(AGENT_COMMANDS).map((loader) => loader()))
}

function subcommandName(argv: string[]): string | undefined {
  const args = argv.slice(2)
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? ''
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) index++
    else if (!arg.startsWith('-')) return arg
  }

  return undefined
}

export function buildProgram(agentCommands: Command[] = []): Command {
  const program = new Command('glrunner')
    .description('A GitLab Runner written in TypeScript')
    .version(`glrunner ${GLRUNNER_VERSION}`, '-v, --version', 'print the version')
    .addOption(new Option('-l, --log-level <level>', 'how much the process log says').choices(['debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic']).env('LOG_LEVEL'))
    .addOption(new Option('--log-format <format>', 'process log format (runner is the same as text)').choices(['text', 'json', 'runner']).env('LOG_FORMAT'))
    .addOption(new Option('--debug', 'debug logging, and stack traces on errors'))
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(add --help for usage)')

  program.addCommand(registerCommand())
  program.addCommand(verifyCommand())
  program.addCommand(unregisterCommand())
  program.addCommand(listCommand())
  for (const command of agentCommands) program.addCommand(command)

  // addCommand() does not pass settings down: every command throws instead of exiting,
  // so main() decides the exit status in one place.
  for (const command of [program, ...program.commands]) command.exitOverride()

  return program
}

/** Runs the CLI and returns the exit status instead of exiting, so callers can flush. */
export async function main(argv: string[] = process.argv, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  const program = buildProgram(await loadAgentCommands(argv))
  try {
    await program.parseAsync(argv)

    // A command may report failure without throwing (exec: the pipeline failed).
    return Number(process.exitCode ?? 0)
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed the usage problem (or the help/version it was asked for).
      return err.exitCode
    }

    const debug = program.opts<{ debug?: boolean }>().debug === true || argv.includes('--debug')
    stderr.write(`ERROR: ${formatError(err)}\n`)
    if (err instanceof GlrunnerError && err.hint) stderr.write(`Hint: ${err.hint}\n`)
    if (debug && err instanceof Error && err.stack) stderr.write(`${err.stack}\n`)

    return 1
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1]
  if (!script) return false
  try {
    const invoked = realpathSync(script)

    return invoked === fileURLToPath(import.meta.url) || basename(invoked) === 'glrunner'
  } catch {
    return false
  }
}

if (invokedDirectly()) {
  // `glrunner list | head` closes the pipe early; that is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  })
  process.exitCode = await main()
}
