/**
 * `glrunner install/uninstall/start/stop/restart/status`: the unit (systemd) or property
 * list (launchd) for a service running `glrunner run`, and the service manager's own
 * commands to drive it. System-wide as root; as another user, a systemd user service or a
 * launchd agent. Anything else (Windows, Linux without systemd) is a clear error.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { GlrunnerError } from '../core/errors.js'
import { DEFAULT_STOP_TIMEOUT_SECONDS, launchdPlist, systemdUnit, type ServiceSpec } from './systemd-unit.js'

const execFileAsync = promisify(execFile)

export class ServiceError extends GlrunnerError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super('GLR_SERVICE', message, { failureReason: 'runner_configuration_error', ...(hint ? { hint } : {}), ...(cause === undefined ? {} : { cause }) })
  }
}

export type RunCommand = (command: string, args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>

export interface ServiceHost {
  platform: NodeJS.Platform
  root: boolean
  home: string
  /** Where systemd is running as the init system (checked with /run/systemd/system). */
  systemdRunning: boolean
  uid: number
  run: RunCommand
  /** Overrides the unit/plist directory (tests). */
  unitDir?: string
}

export function currentHost(): ServiceHost {
  return {
    platform: process.platform,
    root: process.getuid?.() === 0,
    home: homedir(),
    systemdRunning: existsSync('/run/systemd/system'),
    uid: process.getuid?.() ?? -1,
    run: async (command, args) => {
      try {
        const { stdout, stderr } = await execFileAsync(command, args)

        return { code: 0, stdout, stderr }
      } catch (err) {
        const failed = err as { code?: number | string; stdout?: string; stderr?: string }
        if (failed.code === 'ENOENT') throw new ServiceError(`${command} is not installed`, undefined, err)

        return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
      }
    },
  }
}

type Kind = { kind: 'systemd'; scope: 'system' | 'user'; dir: string } | { kind: 'launchd'; domain: string; dir: string; logDir: string }

function detect(host: ServiceHost): Kind {
  if (host.platform === 'linux') {
    if (!host.systemdRunning) {
      throw new ServiceError('systemd is not running on this machine, so glrunner cannot install itself as a service', 'Start `glrunner run` from your init system or a supervisor (runit, s6, supervisord, a container restart policy) instead.')
    }
    if (host.root) return { kind: 'systemd', scope: 'system', dir: host.unitDir ?? '/etc/systemd/system' }

    return { kind: 'systemd', scope: 'user', dir: host.unitDir ?? join(host.home, '.config', 'systemd', 'user') }
  }
  if (host.platform === 'darwin') {
    if (host.root) return { kind: 'launchd', domain: 'system', dir: host.unitDir ?? '/Library/LaunchDaemons', logDir: '/usr/local/var/log' }

    return { kind: 'launchd', domain: `gui/${host.uid}`, dir: host.unitDir ?? join(host.home, 'Library', 'LaunchAgents'), logDir: join(host.home, 'Library', 'Logs') }
  }

  throw new ServiceError(`installing a service is not supported on ${host.platform}`, 'Supported: Linux with systemd, and macOS (launchd).')
}

export function serviceFile(host: ServiceHost, name: string): string {
  const kind = detect(host)

  return join(kind.dir, kind.kind === 'systemd' ? `${name}.service` : `${name}.plist`)
}

export class ServiceManager {
  constructor(private readonly host: ServiceHost = currentHost()) {}

  /** Writes the unit or plist and enables it (it starts at boot; `start` starts it now). */
  async install(spec: ServiceSpec): Promise<string> {
    const kind = detect(this.host)
    if (kind.kind === 'systemd' && kind.scope === 'user' && spec.user) {
      throw new ServiceError('--user needs root: a user service always runs as the user who installs it', 'Run `sudo glrunner install --user NAME …`, or leave out --user.')
    }
    const file = serviceFile(this.host, spec.name)
    if (existsSync(file)) throw new ServiceError(`service ${spec.name} is already installed (${file})`, `Run \`glrunner uninstall --service ${spec.name}\` first.`)
    await mkdir(kind.dir, { recursive: true })
    if (kind.kind === 'systemd') {
      await writeFile(file, systemdUnit(spec, kind.scope), { mode: 0o644 })
      await this.systemctl(kind.scope, ['daemon-reload'])
      await this.systemctl(kind.scope, ['enable', `${spec.name}.service`])
    } else {
      await mkdir(kind.logDir, { recursive: true })
      await writeFile(file, launchdPlist(spec, join(kind.logDir, `${spec.name}.log`)), { mode: 0o644 })
    }

    return file
  }

  async uninstall(name: string): Promise<string> {
    const kind = detect(this.host)
    const file = serviceFile(this.host, name)
    if (!existsSync(file)) throw new ServiceError(`service ${name} is not installed (no ${file})`)
    if (kind.kind === 'systemd') {
      await this.systemctl(kind.scope, ['disable', '--now', `${name}.service`])
      await rm(file, { force: true })
      await this.systemctl(kind.scope, ['daemon-reload'])
    } else {
      await this.host.run('launchctl', ['bootout', `${kind.domain}/${name}`])
      await rm(file, { force: true })
    }

    return file
  }

  async start(name: string): Promise<void> {
    const kind = this.installed(name)
    if (kind.kind === 'systemd') return void (await this.systemctl(kind.scope, ['start', `${name}.service`]))
    await this.launchctl(['bootstrap', kind.domain, serviceFile(this.host, name)])
  }

  /** Graceful: running jobs finish first (SIGQUIT; systemd waits up to TimeoutStopSec). */
  async stop(name: string, drainTimeoutMs = DEFAULT_STOP_TIMEOUT_SECONDS * 1000): Promise<void> {
    const kind = this.installed(name)
    if (kind.kind === 'systemd') return void (await this.systemctl(kind.scope, ['stop', `${name}.service`]))
    // launchd's bootout sends SIGTERM, which aborts jobs: drain with SIGQUIT and wait for
    // the exit first (KeepAlive does not restart a clean exit).
    await this.host.run('launchctl', ['kill', 'SIGQUIT', `${kind.domain}/${name}`])
    const deadline = Date.now() + drainTimeoutMs
    while ((await this.status(name)) === 'running' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1000))
    await this.launchctl(['bootout', `${kind.domain}/${name}`])
  }

  async restart(name: string): Promise<void> {
    const kind = this.installed(name)
    if (kind.kind === 'systemd') return void (await this.systemctl(kind.scope, ['restart', `${name}.service`]))
    await this.stop(name)
    await this.start(name)
  }

  /** `running`, `stopped`, or what the service manager says (`failed`, `activating`…). */
  async status(name: string): Promise<string> {
    const kind = this.installed(name)
    if (kind.kind === 'systemd') {
      const result = await this.host.run('systemctl', [...(kind.scope === 'user' ? ['--user'] : []), 'is-active', `${name}.service`])
      const state = result.stdout.trim() || 'unknown'

      return state === 'active' ? 'running' : state === 'inactive' ? 'stopped' : state
    }
    const result = await this.host.run('launchctl', ['print', `${kind.domain}/${name}`])
    if (result.code !== 0) return 'stopped'

    return /state = running/.test(result.stdout) ? 'running' : 'stopped'
  }

  private installed(name: string): Kind {
    const kind = detect(this.host)
    if (!existsSync(serviceFile(this.host, name))) throw new ServiceError(`service ${name} is not installed`, `Run \`glrunner install --service ${name}\` first.`)

    return kind
  }

  private async systemctl(scope: 'system' | 'user', args: string[]): Promise<void> {
    const full = [...(scope === 'user' ? ['--user'] : []), ...args]
    const result = await this.host.run('systemctl', full)
    if (result.code !== 0) throw new ServiceError(`systemctl ${full.join(' ')} failed: ${result.stderr.trim() || `exit status ${result.code}`}`)
  }

  private async launchctl(args: string[]): Promise<void> {
    const result = await this.host.run('launchctl', args)
    if (result.code !== 0) throw new ServiceError(`launchctl ${args.join(' ')} failed: ${result.stderr.trim() || `exit status ${result.code}`}`)
  }
}
