import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { ServiceManager, type ServiceHost } from '../../src/service/service-manager.js'
import { launchdPlist, systemdQuote, systemdUnit, type ServiceSpec } from '../../src/service/systemd-unit.js'

const execFileAsync = promisify(execFile)

function pid1(): string {
  try {
    return readFileSync('/proc/1/comm', 'utf8').trim()
  } catch {
    return 'unknown'
  }
}

const SYSTEMD_SKIP = pid1() === 'systemd'
  ? false
  : `systemd is not PID 1 here (PID 1 is ${pid1()}); CI runs on the same kind of machine, so this is skipped there too`

function hasBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' })

    return true
  } catch {
    return false
  }
}

function spec(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name: 'glrunner-test',
    program: [process.execPath, '/opt/glrunner dir/bin/glrunner'],
    configPath: '/etc/glrunner/config 100%.toml',
    workingDirectory: '/var/lib/glrunner',
    user: 'gitlab-runner',
    stopTimeoutSeconds: 7200,
    ...overrides,
  }
}

/** A host whose commands are recorded, with unit files in a scratch directory. */
function recordingHost(unitDir: string, overrides: Partial<ServiceHost> = {}): { host: ServiceHost; commands: string[]; answers: Map<string, string> } {
  const commands: string[] = []
  const answers = new Map<string, string>()
  const host: ServiceHost = {
    platform: 'linux',
    root: true,
    home: unitDir,
    systemdRunning: true,
    uid: 0,
    unitDir,
    run: async (command, args) => {
      const line = [command, ...args].join(' ')
      commands.push(line)

      return { code: 0, stdout: answers.get(line) ?? '', stderr: '' }
    },
    ...overrides,
  }

  return { host, commands, answers }
}

describe('service installation', () => {
  let dir: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glrunner-ops-service-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes a systemd unit that restarts on failure, drains with SIGQUIT and runs as the user', () => {
    const unit = systemdUnit(spec(), 'system')
    const lines = unit.split('\n')
    for (const line of ['Restart=on-failure', 'KillSignal=SIGQUIT', 'KillMode=mixed', 'TimeoutStopSec=7200', 'User=gitlab-runner', 'WorkingDirectory=/var/lib/glrunner', 'WantedBy=multi-user.target', 'ExecReload=/bin/kill -HUP $MAINPID']) {
      assert.ok(lines.includes(line), `${line} in\n${unit}`)
    }
    assert.ok(lines.includes(`ExecStart="${process.execPath}" "/opt/glrunner dir/bin/glrunner" "run" "--config" "/etc/glrunner/config 100%%.toml" "--working-directory" "/var/lib/glrunner"`), unit)
    assert.equal(systemdQuote('a"b$c\\d'), '"a\\"b$$c\\\\d"')
    const user = systemdUnit(spec(), 'user')
    assert.ok(!user.includes('User='), 'a user service has no User=')
    assert.ok(user.includes('WantedBy=default.target'))
  })

  it('passes systemd-analyze verify', { skip: hasBinary('systemd-analyze') || process.env.CI === 'true' ? false : 'systemd-analyze is not installed (Debian package systemd)' }, async () => {
    const name = `glrunner-verify-${process.pid}`
    const file = join(dir, `${name}.service`)
    await writeFile(file, systemdUnit(spec({ name, program: [process.execPath, join(dir, 'main.js')], user: userInfo().username, workingDirectory: dir, configPath: join(dir, 'config.toml') }), 'system'))
    await writeFile(join(dir, 'main.js'), '')
    const result = await execFileAsync('systemd-analyze', ['verify', '--man=no', file]).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code ?? 1, stderr: err.stderr ?? '' }),
    )
    const aboutOurUnit = result.stderr.split('\n').filter((line) => line.includes(name))
    assert.deepEqual(aboutOurUnit, [], result.stderr)
    assert.equal(result.code, 0, result.stderr)
  })

  it('writes a launchd plist that keeps the service alive after crashes only', () => {
    const plist = launchdPlist(spec({ name: 'com.example.glrunner' }), '/usr/local/var/log/glrunner.log')
    assert.match(plist, /<key>Label<\/key>\s*<string>com\.example\.glrunner<\/string>/)
    assert.match(plist, /<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key>\s*<false\/>/)
    assert.match(plist, /<string>\/opt\/glrunner dir\/bin\/glrunner<\/string>\s*<string>run<\/string>/)
    assert.match(plist, /<key>ExitTimeOut<\/key>\s*<integer>7200<\/integer>/)
    assert.match(plist, /<key>UserName<\/key>\s*<string>gitlab-runner<\/string>/)
  })

  it('installs, reports, stops and uninstalls through systemctl, and refuses a second install', async () => {
    const unitDir = join(dir, 'units')
    const { host, commands, answers } = recordingHost(unitDir)
    const manager = new ServiceManager(host)
    const file = await manager.install(spec())
    assert.equal(file, join(unitDir, 'glrunner-test.service'))
    assert.match(await readFile(file, 'utf8'), /KillSignal=SIGQUIT/)
    assert.deepEqual(commands, ['systemctl daemon-reload', 'systemctl enable glrunner-test.service'])
    await assert.rejects(manager.install(spec()), /service glrunner-test is already installed/)

    answers.set('systemctl is-active glrunner-test.service', 'active\n')
    assert.equal(await manager.status('glrunner-test'), 'running')
    answers.set('systemctl is-active glrunner-test.service', 'inactive\n')
    assert.equal(await manager.status('glrunner-test'), 'stopped')
    await manager.stop('glrunner-test')
    assert.equal(commands.at(-1), 'systemctl stop glrunner-test.service')

    await manager.uninstall('glrunner-test')
    assert.equal(existsSync(file), false)
    assert.deepEqual(commands.slice(-2), ['systemctl disable --now glrunner-test.service', 'systemctl daemon-reload'])
    await assert.rejects(manager.status('glrunner-test'), /service glrunner-test is not installed/)
  })

  it('uses a systemd user service for a non-root user, and refuses --user there', async () => {
    const { host, commands } = recordingHost(join(dir, 'user-units'), { root: false, uid: 1000 })
    const manager = new ServiceManager(host)
    await assert.rejects(manager.install(spec()), /--user needs root/)
    await manager.install(spec({ user: undefined }))
    assert.deepEqual(commands, ['systemctl --user daemon-reload', 'systemctl --user enable glrunner-test.service'])
  })

  it('on macOS drains with SIGQUIT and waits for the exit before launchd unloads the job', async () => {
    const { host, commands, answers } = recordingHost(join(dir, 'agents'), { platform: 'darwin', root: false, uid: 501 })
    const manager = new ServiceManager(host)
    const file = await manager.install(spec({ name: 'com.example.glrunner', user: undefined }))
    assert.match(await readFile(file, 'utf8'), /<key>ProgramArguments<\/key>/)
    answers.set('launchctl print gui/501/com.example.glrunner', 'state = running')
    setTimeout(() => answers.set('launchctl print gui/501/com.example.glrunner', 'state = not running'), 300)
    await manager.stop('com.example.glrunner')
    const kill = commands.indexOf('launchctl kill SIGQUIT gui/501/com.example.glrunner')
    const bootout = commands.indexOf('launchctl bootout gui/501/com.example.glrunner')
    assert.ok(kill >= 0 && bootout > kill, commands.join('\n'))
    assert.ok(commands.slice(kill, bootout).filter((line) => line.startsWith('launchctl print')).length >= 2, 'it waited for the exit')
  })

  it('says clearly where it cannot install a service', async () => {
    await assert.rejects(new ServiceManager(recordingHost(dir, { platform: 'win32' }).host).install(spec()), /installing a service is not supported on win32/)
    await assert.rejects(new ServiceManager(recordingHost(dir, { systemdRunning: false }).host).install(spec()), /systemd is not running on this machine/)
  })

  it('installs, starts, reports and stops a throwaway unit with the real systemctl', { skip: SYSTEMD_SKIP }, async () => {
    const name = `glrunner-throwaway-${process.pid}-${Date.now()}`
    const manager = new ServiceManager()
    const workDir = await mkdtemp(join(tmpdir(), 'glrunner-service-work-'))
    await writeFile(join(workDir, 'config.toml'), '')
    try {
      await manager.install(spec({ name, user: undefined, workingDirectory: workDir, configPath: join(workDir, 'config.toml'), program: ['/bin/sh', '-c', 'exec sleep 600', 'sh'] }))
      await manager.start(name)
      assert.equal(await manager.status(name), 'running')
      await manager.stop(name)
      assert.notEqual(await manager.status(name), 'running')
    } finally {
      await manager.uninstall(name).catch(() => undefined)
      await rm(workDir, { recursive: true, force: true })
    }
  })
})
