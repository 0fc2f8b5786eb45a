import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, it } from 'node:test'

const MAIN = join(import.meta.dirname, 'main.ts')

function runSingle(...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'run-single', ...args], { encoding: 'utf8', timeout: 60_000 })

  return { status: result.status, stderr: result.stderr }
}

describe('glrunner run-single flag checks', () => {
  it('refuses a URL that is not http(s), an unreadable CA file and an unknown shell at start, with exit 1', () => {
    const badUrl = runSingle('--url', 'notaurl', '--token', 'x')
    assert.equal(badUrl.status, 1)
    assert.match(badUrl.stderr, /ERROR: --url: expected an http:\/\/ or https:\/\/ URL, got "notaurl"/)

    const badCa = runSingle('--url', 'http://127.0.0.1:9', '--token', 'x', '--tls-ca-file', '/nonexistent/ca.pem')
    assert.equal(badCa.status, 1)
    assert.match(badCa.stderr, /ERROR: --tls-ca-file: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/)

    const badShell = runSingle('--url', 'http://127.0.0.1:9', '--token', 'x', '--shell', 'fish')
    assert.equal(badShell.status, 1)
    assert.match(badShell.stderr, /argument 'fish' is invalid\. Allowed choices are bash, sh, pwsh, powershell/)
  })
})
