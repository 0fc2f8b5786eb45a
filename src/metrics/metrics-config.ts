/**
 * The optional `[metrics]` table of config.toml (glrunner's own; the official runner has
 * only the global `listen_address`):
 *
 *   listen_address = "127.0.0.1:9252"
 *   [metrics]
 *     token = "…"                    # or token_file, or GLRUNNER_METRICS_TOKEN
 *     stage_histograms = true        # glrunner_job_stage_duration_seconds (default on)
 */
import { readFileSync } from 'node:fs'
import { ConfigError } from '../core/errors.js'

export interface MetricsSettings {
  token: string | undefined
  stageHistograms: boolean
}

/** Reads `[metrics]` from the loader's `extra`; throws a ConfigError naming the key. */
export function metricsSettings(extra: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): MetricsSettings {
  const table = extra.metrics ?? {}
  if (typeof table !== 'object' || table === null || Array.isArray(table)) throw invalid('metrics', 'a table', table)
  const values = table as Record<string, unknown>
  for (const key of ['token', 'token_file']) {
    if (values[key] !== undefined && typeof values[key] !== 'string') throw invalid(`metrics.${key}`, 'a string', values[key])
  }
  if (values.stage_histograms !== undefined && typeof values.stage_histograms !== 'boolean') {
    throw invalid('metrics.stage_histograms', 'a boolean (true or false)', values.stage_histograms)
  }

  let token = (values.token as string | undefined) || env.GLRUNNER_METRICS_TOKEN || undefined
  const tokenFile = values.token_file as string | undefined
  if (!token && tokenFile) {
    try {
      token = readFileSync(tokenFile, 'utf8').trim() || undefined
    } catch (err) {
      throw new ConfigError(`metrics.token_file: reading ${tokenFile}`, { cause: err })
    }
  }

  return { token, stageHistograms: values.stage_histograms !== false }
}

function invalid(key: string, expected: string, value: unknown): ConfigError {
  return new ConfigError(`${key}: expected ${expected}, got ${JSON.stringify(value)}`, { hint: 'Fix the value in config.toml.' })
}
