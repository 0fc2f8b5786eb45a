/**
 * `glrunner verify`: asks GitLab whether each configured runner's token is still valid
 * (`POST runners/verify` with this installation's system id). With --delete, runners
 * GitLab no longer knows (403) are removed from config.toml. Exits non-zero when a runner
 * is not valid and stays in the file, or when a check could not be made.
 */
import { Command, Option } from 'commander'
import { loadConfig } from '../config/load-config.js'
import type { RunnerConfig } from '../config/runner-config.js'
import { updateConfig } from '../config/save-config.js'
import { GlrunnerError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { loadOrCreateSystemId } from '../core/system-id.js'
import { ApiError } from '../gitlab/api-error.js'
import { verifyRunner } from '../gitlab/runners-api.js'
import { loggerFromCommand } from './cli-logger.js'
import { resolveConfigPath } from './config-path.js'
import { describeRunner, runnerInfoFor, selectRunners, withRunnerClient } from './runner-selection.js'

export interface VerifyFlags {
  config?: string
  delete?: boolean
  name?: string
  url?: string
  token?: string
}

type Verdict = 'valid' | 'invalid' | 'failed'

export function verifyCommand(): Command {
  return new Command('verify')
    .description('check that the configured runners are known to GitLab')
    .addOption(new Option('-c, --config <file>', 'config file'))
    .addOption(new Option('--delete', 'remove runners GitLab no longer knows from the config file'))
    .addOption(new Option('-n, --name <name>', 'only the runner with this name'))
    .addOption(new Option('-u, --url <url>', 'only the runner with this URL (with --token)'))
    .addOption(new Option('-t, --token <token>', 'only the runner with this token (with --url)'))
    .addHelpText('after', '\nExamples:\n  glrunner verify\n  glrunner verify --delete\n  glrunner verify --name build-box\n')
    .action(async (flags: VerifyFlags, self: Command) => {
      await runVerify(flags, { logger: loggerFromCommand(self) })
    })
}

export async function runVerify(flags: VerifyFlags, context: { logger: Logger; output?: NodeJS.WritableStream }): Promise<void> {
  const output = context.output ?? process.stdout
  const configPath = resolveConfigPath(flags.config)
  const { config, warnings } = await loadConfig(configPath, { requireRunners: true })
  for (const warning of warnings) context.logger.warn(warning, { file: configPath })

  const runners = selectRunners(config.runners, flags, { defaultAll: true, configPath })
  const systemId = await loadOrCreateSystemId(configPath, { logger: context.logger })
  const verdicts = new Map<RunnerConfig, Verdict>()
  for (const runner of runners) {
    const verdict = await verifyOne(runner, systemId, context.logger)
    verdicts.set(runner, verdict.result)
    output.write(`Verifying runner... ${verdictText(verdict.result)}  ${describeRunner(runner)}${verdict.error ? ` error=${JSON.stringify(verdict.error)}` : ''}\n`)
  }

  const invalid = runners.filter((runner) => verdicts.get(runner) === 'invalid')
  if (flags.delete && invalid.length > 0) {
    const gone = new Set(invalid.map((runner) => runner.token))
    await updateConfig(configPath, (current) => {
      current.runners = current.runners.filter((runner) => !gone.has(runner.token))
    })
    for (const runner of invalid) output.write(`Removed runner from ${configPath}  ${describeRunner(runner)}\n`)
  }

  const failed = runners.filter((runner) => verdicts.get(runner) === 'failed').length
  const kept = flags.delete ? 0 : invalid.length
  if (failed + kept > 0) {
    const count = (n: number): string => `${n} of ${runners.length} runner${runners.length === 1 ? '' : 's'}`
    const parts = [kept > 0 ? `${count(kept)} not valid` : '', failed > 0 ? `${count(failed)} could not be checked` : ''].filter(Boolean)
    throw new GlrunnerError('GLR_VERIFY', parts.join('; '), {
      hint: kept > 0 ? 'Run `glrunner verify --delete` to remove runners GitLab no longer knows.' : undefined,
    })
  }
}

async function verifyOne(runner: RunnerConfig, systemId: string, logger: Logger): Promise<{ result: Verdict; error?: string }> {
  try {
    await withRunnerClient(runner, logger, (client) => verifyRunner(client, { token: runner.token, systemId, info: runnerInfoFor(runner) }))

    return { result: 'valid' }
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return { result: 'invalid' }
    if (err instanceof GlrunnerError) return { result: 'failed', error: err.message }
    throw err
  }
}

function verdictText(verdict: Verdict): string {
  if (verdict === 'valid') return 'is valid'
  if (verdict === 'invalid') return 'is not valid'

  return 'failed'
}
