/**
 * The systemd unit `glrunner install` writes, modelled on the official runner's: restart
 * on failure, stop with SIGQUIT (spec 8.7: finish running jobs, take no new ones) and a
 * stop timeout long enough for them to finish. KillMode=mixed sends that SIGQUIT to
 * glrunner alone — the default would also hit every job's processes in the cgroup and
 * kill the jobs it is meant to let finish; whatever is left after the timeout gets SIGKILL.
 */

export interface ServiceSpec {
  /** Service name, e.g. `glrunner`. */
  name: string
  /** The command starting glrunner, e.g. ['/usr/local/bin/glrunner']. */
  program: string[]
  configPath: string
  workingDirectory: string
  /** Run as this user (system services only). */
  user?: string
  /** Seconds systemd/launchd waits for running jobs after SIGQUIT. */
  stopTimeoutSeconds: number
  /** Extra environment, e.g. PATH for the shell executor. */
  environment?: Record<string, string>
}

export const DEFAULT_STOP_TIMEOUT_SECONDS = 7200

/** The `ExecStart` argument vector: `<program> run --config … --working-directory …`. */
export function runArguments(spec: ServiceSpec): string[] {
  return [...spec.program, 'run', '--config', spec.configPath, '--working-directory', spec.workingDirectory]
}

/** One systemd command-line word, quoted so spaces, quotes, `$` and `%` survive. */
export function systemdQuote(word: string): string {
  const escaped = word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '$$$$').replace(/%/g, '%%')

  return `"${escaped}"`
}

export function systemdUnit(spec: ServiceSpec, scope: 'system' | 'user'): string {
  const lines = [
    '[Unit]',
    `Description=glrunner ${spec.name} (GitLab Runner in TypeScript)`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${runArguments(spec).map(systemdQuote).join(' ')}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    `WorkingDirectory=${spec.workingDirectory.replace(/%/g, '%%')}`,
    ...(scope === 'system' && spec.user ? [`User=${spec.user}`] : []),
    ...Object.entries(spec.environment ?? {}).map(([key, value]) => `Environment=${systemdQuote(`${key}=${value}`)}`),
    'Restart=on-failure',
    'RestartSec=5',
    'KillSignal=SIGQUIT',
    'KillMode=mixed',
    `TimeoutStopSec=${spec.stopTimeoutSeconds}`,
    '',
    '[Install]',
    `WantedBy=${scope === 'system' ? 'multi-user.target' : 'default.target'}`,
    '',
  ]

  return lines.join('\n')
}

/** A launchd property list for macOS (LaunchDaemons as root, LaunchAgents otherwise). */
export function launchdPlist(spec: ServiceSpec, logPath: string): string {
  const string = (value: string) => `<string>${xmlEscape(value)}</string>`
  const body = [
    '<key>Label</key>', string(spec.name),
    '<key>ProgramArguments</key>', '<array>', ...runArguments(spec).map((arg) => `  ${string(arg)}`), '</array>',
    '<key>WorkingDirectory</key>', string(spec.workingDirectory),
    ...(spec.user ? ['<key>UserName</key>', string(spec.user)] : []),
    '<key>RunAtLoad</key>', '<true/>',
    // Restart after a crash, not after a clean stop (the systemd Restart=on-failure).
    '<key>KeepAlive</key>', '<dict>', '  <key>SuccessfulExit</key>', '  <false/>', '</dict>',
    '<key>ExitTimeOut</key>', `<integer>${spec.stopTimeoutSeconds}</integer>`,
    '<key>StandardOutPath</key>', string(logPath),
    '<key>StandardErrorPath</key>', string(logPath),
    ...(spec.environment && Object.keys(spec.environment).length > 0
      ? ['<key>EnvironmentVariables</key>', '<dict>', ...Object.entries(spec.environment).flatMap(([key, value]) => [`  <key>${xmlEscape(key)}</key>`, `  ${string(value)}`]), '</dict>']
      : []),
  ]

  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    ...body.map((line) => `  ${line}`),
    '</dict>',
    '</plist>',
    '',
  ].join('\n')
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
