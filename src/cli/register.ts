/**
 * `glrunner register`: flags and environment variables with the official runner's names.
 * The work itself (questions, the GitLab call, the config entry) is in register-flow.ts.
 */
import { Command, Option } from 'commander'
import { loggerFromCommand } from './cli-logger.js'
import { collect, collectEnvironment, parseBoolean, parseNonNegativeInteger } from './option-parsers.js'
import { runRegister, type RegisterFlags } from './register-flow.js'

interface OptionSpec {
  flags: string
  description: string
  env?: string
  parser?: (value: string, previous: never) => unknown
  defaultValue?: unknown
}

const bool = parseBoolean as OptionSpec['parser']
const int = parseNonNegativeInteger as OptionSpec['parser']

const OPTIONS: OptionSpec[] = [
  { flags: '-c, --config <file>', description: 'config file (default: $CONFIG_FILE, else the per-user or /etc location)' },
  { flags: '-n, --non-interactive [bool]', description: 'never ask questions; fail when a value is missing', env: 'REGISTER_NON_INTERACTIVE', parser: bool },
  { flags: '-u, --url <url>', description: 'GitLab instance URL', env: 'CI_SERVER_URL' },
  { flags: '-t, --token <token>', description: 'runner authentication token (glrt-…) of a runner created in GitLab', env: 'CI_SERVER_TOKEN' },
  { flags: '-r, --registration-token <token>', description: 'legacy registration token (deprecated by GitLab)', env: 'REGISTRATION_TOKEN' },
  { flags: '--name <name>', description: 'runner name (default: the host name)', env: 'RUNNER_NAME' },
  { flags: '--description <name>', description: 'alias of --name' },
  { flags: '--executor <executor>', description: 'shell, docker, ssh or custom', env: 'RUNNER_EXECUTOR' },
  { flags: '--shell <shell>', description: 'bash, sh, pwsh or powershell (default: the executor\'s)', env: 'RUNNER_SHELL' },
  { flags: '--tag-list <tags>', description: 'comma-separated tags (legacy registration only)', env: 'RUNNER_TAG_LIST' },
  { flags: '--run-untagged [bool]', description: 'pick up untagged jobs (legacy registration only)', env: 'REGISTER_RUN_UNTAGGED', parser: bool },
  { flags: '--locked [bool]', description: 'lock the runner to its project (legacy registration only)', env: 'REGISTER_LOCKED', parser: bool, defaultValue: true },
  { flags: '--access-level <level>', description: 'not_protected or ref_protected (legacy registration only)', env: 'REGISTER_ACCESS_LEVEL' },
  { flags: '--maximum-timeout <seconds>', description: 'maximum job timeout (legacy registration only)', env: 'REGISTER_MAXIMUM_TIMEOUT', parser: int },
  { flags: '--paused [bool]', description: 'register the runner paused (legacy registration only)', env: 'REGISTER_PAUSED', parser: bool },
  { flags: '--maintenance-note <note>', description: 'maintenance note (legacy registration only)', env: 'REGISTER_MAINTENANCE_NOTE' },
  { flags: '--limit <n>', description: 'maximum concurrent jobs of this runner (0 = no limit)', env: 'RUNNER_LIMIT', parser: int },
  { flags: '--builds-dir <dir>', description: 'where builds are checked out', env: 'RUNNER_BUILDS_DIR' },
  { flags: '--cache-dir <dir>', description: 'where the local cache is kept', env: 'RUNNER_CACHE_DIR' },
  { flags: '--env <KEY=VALUE>', description: 'job environment variable (repeatable)', parser: collectEnvironment as OptionSpec['parser'] },
  { flags: '--clone-url <url>', description: 'URL jobs clone from instead of the GitLab URL', env: 'CLONE_URL' },
  { flags: '--output-limit <KiB>', description: 'job log size limit', env: 'RUNNER_OUTPUT_LIMIT', parser: int },
  { flags: '--request-concurrency <n>', description: 'simultaneous job requests', env: 'RUNNER_REQUEST_CONCURRENCY', parser: int },
  { flags: '--tls-ca-file <file>', description: 'CA certificates for the GitLab server', env: 'CI_SERVER_TLS_CA_FILE' },
  { flags: '--tls-cert-file <file>', description: 'client certificate for the GitLab server', env: 'CI_SERVER_TLS_CERT_FILE' },
  { flags: '--tls-key-file <file>', description: 'client key for the GitLab server', env: 'CI_SERVER_TLS_KEY_FILE' },
  { flags: '--custom_build_dir-enabled [bool]', description: 'let jobs choose their clone path (GIT_CLONE_PATH)', env: 'CUSTOM_BUILD_DIR_ENABLED', parser: bool },
  { flags: '--ssh-host <host>', description: 'ssh executor: host', env: 'SSH_HOST' },
  { flags: '--ssh-port <port>', description: 'ssh executor: port', env: 'SSH_PORT' },
  { flags: '--ssh-user <user>', description: 'ssh executor: user', env: 'SSH_USER' },
  { flags: '--ssh-password <password>', description: 'ssh executor: password', env: 'SSH_PASSWORD' },
  { flags: '--ssh-identity-file <file>', description: 'ssh executor: private key file', env: 'SSH_IDENTITY_FILE' },
  { flags: '--custom-config-exec <path>', description: 'custom executor: config stage program', env: 'CUSTOM_CONFIG_EXEC' },
  { flags: '--custom-prepare-exec <path>', description: 'custom executor: prepare stage program', env: 'CUSTOM_PREPARE_EXEC' },
  { flags: '--custom-run-exec <path>', description: 'custom executor: run stage program', env: 'CUSTOM_RUN_EXEC' },
  { flags: '--custom-cleanup-exec <path>', description: 'custom executor: cleanup stage program', env: 'CUSTOM_CLEANUP_EXEC' },
  { flags: '--docker-image <image>', description: 'docker executor: default image', env: 'DOCKER_IMAGE' },
  { flags: '--docker-privileged [bool]', description: 'docker executor: privileged containers', env: 'DOCKER_PRIVILEGED', parser: bool },
  { flags: '--docker-volumes <volume>', description: 'docker executor: volume to mount (repeatable)', parser: collect as OptionSpec['parser'] },
]

const EXAMPLES = `
Examples:
  # A runner created in GitLab (Settings > CI/CD > Runners), authentication token:
  glrunner register --non-interactive --url https://gitlab.example.com \\
    --token glrt-XXXXXXXXXXXXXXXXXXXX --executor shell --name build-box

  # Legacy registration token, with tags:
  glrunner register -n --url https://gitlab.example.com --registration-token GR1348941XXXX \\
    --executor docker --docker-image alpine:3.20 --tag-list linux,docker
`

export function registerCommand(): Command {
  const command = new Command('register')
    .description('register a runner with GitLab and add it to config.toml')
    .addHelpText('after', EXAMPLES)

  for (const spec of OPTIONS) {
    const option = new Option(spec.flags, spec.description)
    if (spec.env) option.env(spec.env)
    if (spec.parser) option.argParser(spec.parser as never)
    if (spec.defaultValue !== undefined) option.default(spec.defaultValue)
    command.addOption(option)
  }

  return command.action(async (flags: RegisterFlags, self: Command) => {
    await runRegister(flags, {
      logger: loggerFromCommand(self),
      explicitlySet: (key) => ['cli', 'env'].includes(self.getOptionValueSource(key) ?? ''),
    })
  })
}
