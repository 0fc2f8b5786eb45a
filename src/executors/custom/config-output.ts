/**
 * The JSON a custom executor's config_exec may print on stdout. Every field is optional;
 * empty output means "no overrides". Unknown fields are ignored, as the official runner's
 * JSON decoder does.
 */
import { z } from 'zod'
import { ConfigError } from '../../core/errors.js'

const configOutputSchema = z.object({
  builds_dir: z.string().optional(),
  cache_dir: z.string().optional(),
  builds_dir_is_shared: z.boolean().optional(),
  hostname: z.string().optional(),
  driver: z.object({ name: z.string().optional(), version: z.string().optional() }).optional(),
  job_env: z.record(z.string(), z.string()).optional(),
  shell: z.string().optional(),
})

export type ConfigOutput = z.infer<typeof configOutputSchema>

/** Parses config_exec's stdout; throws ConfigError `error while parsing JSON output: …`. */
export function parseConfigOutput(stdout: string): ConfigOutput {
  if (stdout.trim() === '') return {}

  let value: unknown
  try {
    value = JSON.parse(stdout)
  } catch (err) {
    throw new ConfigError(`error while parsing JSON output: ${(err as Error).message}`, {
      hint: 'config_exec must print one JSON object (or nothing) on stdout; write diagnostics to stderr',
      cause: err,
    })
  }

  const parsed = configOutputSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue === undefined || issue.path.length === 0 ? 'the output' : issue.path.join('.')
    throw new ConfigError(`error while parsing JSON output: ${where}: ${issue?.message ?? 'invalid'}`, {
      hint: 'see the config_exec JSON fields in the custom executor documentation',
    })
  }

  return parsed.data
}

/** `Using Custom executor...` or `Using Custom executor with driver <name> <version>...`. */
export function usingLine(output: ConfigOutput): string {
  const name = output.driver?.name ?? ''
  if (name === '') return 'Using Custom executor...'
  const version = output.driver?.version ?? ''

  return `Using Custom executor with driver ${name}${version === '' ? '' : ` ${version}`}...`
}
