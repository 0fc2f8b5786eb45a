/**
 * shell = "pwsh" over SSH: the remote command line is PowerShell's stdin invocation under
 * the same process-group wrapper as bash, and the stage scripts are the pwsh ones. Without
 * pwsh on the remote host (here: this machine, where it is not installable) the job must
 * fail clearly naming it; the run of a real pwsh job is skipped loudly then.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createSshExecutorProvider } from '../../src/executors/ssh/provider.js'
import { remoteShellCommand } from '../../src/executors/ssh/ssh-executor.js'
import { PWSH_STDIN_BOOTSTRAP } from '../../src/shells/pwsh.js'
import { basePayload, runJob } from '../conformance/run-job.js'
import { sshdUnavailableReason, startSshServer, type SshTestServer } from '../helpers/sshd.js'

const unavailable = sshdUnavailableReason()
if (unavailable !== undefined) {
  if (process.env.CI === 'true') throw new Error(`ssh pwsh tests cannot run in CI: ${unavailable}`)
  console.warn(`\n*** SKIPPING ssh pwsh tests: ${unavailable} ***\n`)
}
const hasPwsh = spawnSync('sh', ['-c', 'command -v pwsh'], { encoding: 'utf8' }).stdout.trim() !== ''
const noPwsh = hasPwsh ? false : 'pwsh is not on the PATH of the ssh host (not packaged for Debian)'
if (noPwsh !== false) console.warn(`\n*** SKIPPING the real pwsh job over ssh: ${noPwsh} ***\n`)

const REASONS = ['script_failure', 'job_execution_timeout', 'job_canceled', 'runner_system_failure', 'runner_configuration_error']
let server: SshTestServer | undefined

before(async () => {
  if (unavailable === undefined) server = await startSshServer()
})
after(async () => {
  await server?.stop()
})

async function pwshJob(script: string[]) {
  if (server === undefined) throw new Error('no ssh server')
  const payload = basePayload({ steps: [{ name: 'script', script, when: 'on_success' }] })
  payload.features = { ...payload.features, failure_reasons: REASONS }

  return await runJob({
    payload,
    provider: createSshExecutorProvider({ gracefulKillMs: 1_000, forceKillMs: 2_000 }),
    runner: {
      executor: 'ssh', shell: 'pwsh',
      ssh: { host: server.host, port: server.port, user: server.user, password: server.password, known_hosts_file: server.knownHostsFile },
    },
  })
}

test('the remote command line of a pwsh stage is the stdin invocation with the encoded UTF-8 bootstrap', () => {
  const line = remoteShellCommand('pwsh')
  assert.match(line, /^pwsh -NoProfile -NoLogo -InputFormat text -OutputFormat text -NonInteractive -ExecutionPolicy Bypass -EncodedCommand '?[A-Za-z0-9+/=]+'?$/)
  const encoded = / '?([A-Za-z0-9+/=]+)'?$/.exec(line)?.[1] ?? ''
  assert.equal(Buffer.from(encoded, 'base64').toString('utf16le'), PWSH_STDIN_BOOTSTRAP)
  assert.match(remoteShellCommand('powershell'), /^powershell .* -Command '?-'?$/)
  assert.equal(remoteShellCommand('bash'), 'bash -l')
})

test('without pwsh on the remote host a pwsh job fails in its first stage naming the missing shell', { skip: unavailable ?? (hasPwsh ? 'pwsh is installed here' : false) }, async () => {
  const out = await pwshJob(['Write-Output hi'])
  assert.equal(out.result.state, 'failed', out.text)
  assert.equal(out.result.failureReason, 'script_failure')
  assert.match(out.text, /Using SSH executor\.\.\./)
  assert.match(out.text, /pwsh: (command )?not found|pwsh: No such file/)
  assert.match(out.text, /ERROR: Job failed: prepare environment: Process exited with status 127/)
})

test('a pwsh job over ssh runs its script and returns a native exit code', { skip: unavailable ?? noPwsh }, async () => {
  const out = await pwshJob(['Write-Output "hi from pwsh"', 'bash -c "exit 5"'])
  assert.match(out.text, /hi from pwsh/)
  assert.equal(out.result.state, 'failed')
  assert.match(out.text, /exit status 5|status 5/)
})
