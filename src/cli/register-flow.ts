/**
 * What `glrunner register` does: collect the values (flags, environment, questions on a
 * terminal), check them before anything goes over the network, obtain the runner token
 * (verify for `glrt-` authentication tokens, the legacy `POST runners` otherwise), then
 * append the `[[runners]]` entry. Nothing is written unless GitLab said yes; a legacy
 * registration whose entry cannot be saved is undone with `DELETE runners`.
 */
import { hostname } from 'node:os'
import { loadConfig } from '../config/load-config.js'
import { formatTimestamp } from '../config/config-schema.js'
import { defaultRunnerConfig, type RunnerConfig } from '../config/runner-config.js'
import { updateConfig } from '../config/save-config.js'
import { ConfigError, GlrunnerError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { loadOrCreateSystemId } from '../core/system-id.js'
import { tokenForLog } from '../core/tokens.js'
import { registerRunner, unregisterRunner, verifyRunner } from '../gitlab/runners-api.js'
import { resolveConfigPath } from './config-path.js'
import { splitList } from './option-parsers.js'
import { canPrompt, createPrompter, type Prompter } from './prompts.js'
import { askExecutorSettings, type ExecutorAnswers } from './register-executor-prompts.js'
import { describeRunner, isAuthenticationToken, runnerInfoFor, SUPPORTED_EXECUTORS, withRunnerClient } from './runner-selection.js'

/** The executor fields (executor, docker image, ssh, custom) come from ExecutorAnswers. */
export interface RegisterFlags extends ExecutorAnswers {
  config?: string
  nonInteractive?: boolean
  url?: string
  token?: string
  registrationToken?: string
  name?: string
  description?: string
  shell?: string
  tagList?: string
  runUntagged?: boolean
  locked?: boolean
  accessLevel?: string
  maximumTimeout?: number
  paused?: boolean
  maintenanceNote?: string
  limit?: number
  buildsDir?: string
  cacheDir?: string
  env?: string[]
  cloneUrl?: string
  outputLimit?: number
  requestConcurrency?: number
  tlsCaFile?: string
  tlsCertFile?: string
  tlsKeyFile?: string
  custom_build_dirEnabled?: boolean
  dockerPrivileged?: boolean
  dockerVolumes?: string[]
}

export interface RegisterContext {
  logger: Logger
  /** Whether the user gave this option (flag or environment), not just its default. */
  explicitlySet: (key: keyof RegisterFlags) => boolean
  output?: NodeJS.WritableStream
  prompter?: Prompter
}

/** Settings GitLab owns for runners created in its UI; the official runner refuses them too. */
const SERVER_OWNED_FLAGS: [keyof RegisterFlags, string][] = [
  ['tagList', '--tag-list'], ['runUntagged', '--run-untagged'], ['locked', '--locked'],
  ['accessLevel', '--access-level'], ['maximumTimeout', '--maximum-timeout'], ['paused', '--paused'],
  ['maintenanceNote', '--maintenance-note'],
]

const ACCESS_LEVELS = ['not_protected', 'ref_protected']

export async function runRegister(flags: RegisterFlags, context: RegisterContext): Promise<void> {
  const output = context.output ?? process.stdout
  const configPath = resolveConfigPath(flags.config)
  // An invalid file fails here, before GitLab creates anything.
  const { config: existing, warnings } = await loadConfig(configPath)
  for (const warning of warnings) context.logger.warn(warning, { file: configPath })

  const prompter = context.prompter ?? (canPrompt(flags.nonInteractive ?? false) ? createPrompter() : undefined)
  let values: RegisterFlags
  try {
    values = await completeValues(flags, prompter)
  } finally {
    if (!context.prompter) prompter?.close()
  }

  const token = values.token ?? values.registrationToken ?? ''
  const authFlow = values.token !== undefined || isAuthenticationToken(token)
  checkValues(values, authFlow, context)
  if (existing.runners.some((runner) => runner.token === token)) {
    throw new ConfigError(`runner ${tokenForLog(token)} is already in ${configPath}`, { hint: 'Check it with `glrunner verify` instead of registering it again.' })
  }

  const entry = runnerEntry(values)
  const info = runnerInfoFor(entry)
  const registered = await withRunnerClient(entry, context.logger, async (client) => {
    if (authFlow) {
      const systemId = await loadOrCreateSystemId(configPath, { logger: context.logger })
      const verified = await verifyRunner(client, { token, systemId, info })
      if (verified.id === 0) {
        throw new GlrunnerError('GLR_REGISTER', `registering runner ${tokenForLog(token)}: GitLab did not return a runner id`, {
          hint: 'This GitLab is too old for runner authentication tokens; use a registration token instead.',
        })
      }

      return verified
    }

    return registerRunner(client, {
      registrationToken: token,
      description: entry.name,
      maintenanceNote: values.maintenanceNote,
      tagList: splitList(values.tagList),
      runUntagged: values.runUntagged,
      locked: values.locked ?? true,
      accessLevel: values.accessLevel,
      maximumTimeout: values.maximumTimeout,
      paused: values.paused ?? false,
      info,
    })
  })

  entry.id = registered.id
  entry.token = registered.token
  entry.token_obtained_at = formatTimestamp(new Date(Math.floor(Date.now() / 1000) * 1000))
  const expires = registered.tokenExpiresAt ? new Date(registered.tokenExpiresAt) : undefined
  if (expires && !Number.isNaN(expires.getTime())) entry.token_expires_at = formatTimestamp(expires)

  try {
    await updateConfig(configPath, (config) => {
      config.runners.push(entry)
    })
  } catch (err) {
    if (!authFlow) await rollBack(entry, context.logger)
    throw err
  }

  output.write(`Registering runner... succeeded  ${describeRunner(entry)}\n`)
  output.write(`Runner registered successfully; configuration saved to ${configPath}. Start it with "glrunner run".\n`)
}

async function completeValues(flags: RegisterFlags, prompter: Prompter | undefined): Promise<RegisterFlags> {
  const values: RegisterFlags = { ...flags, name: flags.name ?? flags.description }
  if (!prompter) return values

  values.url ??= await prompter.ask('Enter the GitLab instance URL (for example, https://gitlab.com/)')
  if (values.token === undefined && values.registrationToken === undefined) {
    const answer = await prompter.ask('Enter the runner authentication token (glrt-…) or a registration token')
    if (isAuthenticationToken(answer)) values.token = answer
    else values.registrationToken = answer
  }
  values.name ??= await prompter.ask('Enter a name for the runner', { defaultValue: hostname() })
  values.executor ??= await prompter.ask(`Enter an executor (${SUPPORTED_EXECUTORS.join(', ')})`, { allowed: SUPPORTED_EXECUTORS })

  return askExecutorSettings(values, prompter)
}

function checkValues(values: RegisterFlags, authFlow: boolean, context: RegisterContext): void {
  const missing = (what: string, flag: string, env?: string) =>
    new ConfigError(`missing ${what}`, { hint: `Pass ${flag}${env ? ` (or set ${env})` : ''}, or run register on a terminal to be asked.` })

  if (!values.url) throw missing('GitLab URL', '--url', 'CI_SERVER_URL')
  if (!values.token && !values.registrationToken) throw missing('token', '--token glrt-… or --registration-token', 'CI_SERVER_TOKEN')
  if (!values.executor) throw missing('executor', `--executor ${SUPPORTED_EXECUTORS.join('|')}`, 'RUNNER_EXECUTOR')
  if (!(SUPPORTED_EXECUTORS as readonly string[]).includes(values.executor)) {
    throw new ConfigError(`executor ${JSON.stringify(values.executor)} is not supported`, { hint: `Use one of: ${SUPPORTED_EXECUTORS.join(', ')}.` })
  }
  if (values.executor === 'docker' && !values.dockerImage) throw missing('default Docker image for the docker executor', '--docker-image', 'DOCKER_IMAGE')
  if (values.executor === 'ssh' && !values.sshHost) throw missing('SSH host for the ssh executor', '--ssh-host', 'SSH_HOST')
  if (values.executor === 'custom' && !values.customRunExec) throw missing('run program for the custom executor', '--custom-run-exec', 'CUSTOM_RUN_EXEC')
  if (values.accessLevel && !ACCESS_LEVELS.includes(values.accessLevel)) {
    throw new ConfigError(`access level ${JSON.stringify(values.accessLevel)} is not valid`, { hint: `Use ${ACCESS_LEVELS.join(' or ')}.` })
  }

  if (!authFlow) return

  const given = SERVER_OWNED_FLAGS.filter(([key]) => context.explicitlySet(key)).map(([, flag]) => flag)
  if (given.length > 0) {
    throw new ConfigError(`${given.join(', ')} cannot be used with a runner authentication token`, {
      hint: 'These settings belong to the runner in GitLab: set them there, and register again without them.',
    })
  }
}

function runnerEntry(values: RegisterFlags): RunnerConfig {
  const entry = defaultRunnerConfig({
    name: values.name || hostname(),
    url: values.url ?? '',
    executor: values.executor ?? 'shell',
    shell: values.shell ?? '',
    limit: values.limit ?? 0,
    builds_dir: values.buildsDir ?? '',
    cache_dir: values.cacheDir ?? '',
    environment: values.env ?? [],
    clone_url: values.cloneUrl ?? '',
    output_limit: values.outputLimit ?? 0,
    request_concurrency: values.requestConcurrency || 1,
    'tls-ca-file': values.tlsCaFile ?? '',
    'tls-cert-file': values.tlsCertFile ?? '',
    'tls-key-file': values.tlsKeyFile ?? '',
  })
  if (values.custom_build_dirEnabled !== undefined) entry.custom_build_dir = { enabled: values.custom_build_dirEnabled }

  const ssh = definedOnly({ host: values.sshHost, port: values.sshPort, user: values.sshUser, password: values.sshPassword, identity_file: values.sshIdentityFile })
  if (Object.keys(ssh).length > 0) entry.ssh = ssh

  const custom = definedOnly({ config_exec: values.customConfigExec, prepare_exec: values.customPrepareExec, run_exec: values.customRunExec, cleanup_exec: values.customCleanupExec })
  if (Object.keys(custom).length > 0) entry.custom = custom

  const docker = definedOnly({ image: values.dockerImage, privileged: values.dockerPrivileged, volumes: values.dockerVolumes })
  if (Object.keys(docker).length > 0) entry.docker = docker

  return entry
}

async function rollBack(entry: RunnerConfig, logger: Logger): Promise<void> {
  try {
    await withRunnerClient(entry, logger, (client) => unregisterRunner(client, { token: entry.token }))
    logger.warn('registration undone: the runner could not be saved to the config file', { runner: tokenForLog(entry.token) })
  } catch (err) {
    logger.error('the runner was registered but could not be saved, and undoing the registration failed; delete it in GitLab', {
      runner: tokenForLog(entry.token),
      error: (err as Error).message,
    })
  }
}

function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>
}
