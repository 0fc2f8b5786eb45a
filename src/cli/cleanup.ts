/**
 * `glrunner cleanup`: removes build directories, local caches, Docker cache volumes and
 * glrunner images that no running job uses and that are older than --older-than (default
 * `[cleanup] older_than`, else 7 days). --dry-run lists what would go.
 */
import { Command, InvalidArgumentError } from 'commander'
import { cleanupSettings, parseDurationMs } from '../cleanup/cleanup-config.js'
import { runCleanup, type CleanupReport } from '../cleanup/run-cleanup.js'
import { loadConfig } from '../config/load-config.js'
import { formatError } from '../core/errors.js'
import { loggerFromCommand } from './cli-logger.js'
import { resolveConfigPath } from './config-path.js'

interface CleanupFlags {
  config?: string
  olderThan?: number
  dryRun?: boolean
  workingDirectory?: string
}

function parseDuration(value: string): number {
  const ms = parseDurationMs(value)
  if (ms === undefined) throw new InvalidArgumentError(`expected a duration such as 72h or 7d, got ${JSON.stringify(value)}.`)

  return ms
}

export function cleanupCommand(): Command {
  return new Command('cleanup')
    .description('remove unused build dirs, caches, Docker cache volumes and glrunner images')
    .option('-c, --config <path>', 'config file (default: $CONFIG_FILE or ~/.glrunner/config.toml)')
    .option('--older-than <duration>', 'only what no job used for this long (e.g. 72h, 7d)', parseDuration)
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('-d, --working-directory <dir>', 'directory relative builds_dir/cache_dir are resolved against')
    .action(async (flags: CleanupFlags, command: Command) => {
      const logger = loggerFromCommand(command)
      try {
        const { config, warnings } = await loadConfig(resolveConfigPath(flags.config), { requireRunners: true })
        for (const warning of warnings) logger.warn(warning)
        const settings = cleanupSettings(config.extra)
        if (flags.olderThan !== undefined) settings.olderThanMs = flags.olderThan
        const report = await runCleanup({ config, settings, dryRun: flags.dryRun === true, ...(flags.workingDirectory ? { cwd: flags.workingDirectory } : {}) })
        process.stdout.write(formatReport(report, flags.dryRun === true))
      } catch (err) {
        logger.error(formatError(err), (err as { hint?: string }).hint ? { hint: (err as { hint?: string }).hint } : {})
        process.exitCode = 1
      }
    })
}

export function formatReport(report: CleanupReport, dryRun: boolean): string {
  const verb = dryRun ? 'would remove' : 'removed'
  const lines = report.decisions.map((decision) => `${decision.action === 'remove' ? verb : 'kept'} ${decision.unit.kind} ${decision.unit.path} (${decision.reason}, ${mebibytes(decision.unit.bytes)})`)
  if (report.docker?.skipped) lines.push(`docker: skipped, ${report.docker.skipped}`)
  for (const item of report.docker?.items ?? []) lines.push(`${item.action === 'remove' ? verb : 'kept'} docker ${item.kind} ${item.name} (${item.reason})`)
  lines.push(`${dryRun ? 'would free' : 'freed'} ${mebibytes(report.freedBytes)}`)

  return `${lines.join('\n')}\n`
}

function mebibytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`

  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}
