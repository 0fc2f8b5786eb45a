import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ConfigError } from '../core/errors.js'
import { loadConfig, parseConfig } from './load-config.js'

describe('loadConfig', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glr-load-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('returns the empty default config when the file is missing', async () => {
    const { config, warnings, exists } = await loadConfig(join(dir, 'missing.toml'))
    assert.equal(exists, false)
    assert.equal(config.concurrent, 1)
    assert.equal(config.check_interval, 3)
    assert.equal(config.shutdown_timeout, 30)
    assert.deepEqual(config.runners, [])
    assert.deepEqual(warnings, [])
  })

  it('fails with a ConfigError naming the file when runners are required and the file is missing', async () => {
    const path = join(dir, 'missing.toml')
    await assert.rejects(loadConfig(path, { requireRunners: true }), (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      assert.equal(err.message, `config file ${path} does not exist`)
      assert.match(err.hint ?? '', /glrunner register/)

      return true
    })
  })

  it('fails when runners are required and the file has none', async () => {
    const path = join(dir, 'empty.toml')
    await writeFile(path, 'concurrent = 2\n')
    await assert.rejects(loadConfig(path, { requireRunners: true }), /no \[\[runners\]\] configured in/)
  })

  it('warns about a TLS file a runner names but cannot read', async () => {
    const path = join(dir, 'tls.toml')
    const ca = join(dir, 'ca.pem')
    await writeFile(ca, 'not checked for content')
    await writeFile(path, `[[runners]]\nurl = "https://gitlab.example.com"\ntls-ca-file = "${ca}"\ntls-cert-file = "${join(dir, 'missing-cert.pem')}"\n`)
    const { warnings } = await loadConfig(path)
    assert.deepEqual(warnings, [`runners[0].tls-cert-file: cannot read ${join(dir, 'missing-cert.pem')} (ENOENT); this runner's requests to GitLab will fail`])
  })

  it('fills per-runner defaults and keeps the values it was given', async () => {
    const path = join(dir, 'ok.toml')
    await writeFile(path, 'concurrent = 4\n[[runners]]\nname = "a"\nurl = "http://127.0.0.1"\ntoken = "t"\nexecutor = "shell"\nlimit = 2\n')
    const { config } = await loadConfig(path)
    assert.equal(config.concurrent, 4)
    const runner = config.runners[0]
    assert.ok(runner)
    assert.equal(runner.limit, 2)
    assert.equal(runner.request_concurrency, 1)
    assert.equal(runner.unhealthy_requests_limit, 3)
    assert.equal(runner.job_status_final_update_retry_limit, 10)
    assert.deepEqual(runner.environment, [])
  })
})

describe('parseConfig validation', () => {
  it('names the file, the key path and the expected type for a bad value', () => {
    assert.throws(() => parseConfig('[[runners]]\nname = "a"\nlimit = "two"\n', '/etc/x.toml'), (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      assert.equal(err.message, 'invalid config file /etc/x.toml: runners[0].limit: expected an integer, got "two"')
      assert.equal(err.stack?.includes(err.message), true)

      return true
    })
  })

  it('reports every bad value, nested ones included', () => {
    const text = 'concurrent = 1.5\n[[runners]]\nenvironment = ["A=1", 2]\n[runners.feature_flags]\nFF_X = "yes"\n'
    assert.throws(() => parseConfig(text, 'c.toml'), {
      message:
        'invalid config file c.toml: concurrent: expected an integer, got 1.5; runners[0].environment[1]: expected a string, got 2; runners[0].feature_flags.FF_X: expected a boolean (true or false), got "yes"',
    })
  })

  it('rejects a concurrent below 1 and a negative limit', () => {
    assert.throws(() => parseConfig('concurrent = 0\n', 'c.toml'), /concurrent: expected an integer >= 1, got 0/)
    assert.throws(() => parseConfig('[[runners]]\nlimit = -1\n', 'c.toml'), /runners\[0\]\.limit: expected an integer >= 0, got -1/)
  })

  it('gives the line and column of a TOML syntax error without a code dump', () => {
    assert.throws(() => parseConfig('concurrent = 1\n[[runners]\nname = "a"\n', '/x/config.toml'), (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      assert.match(err.message, /^invalid TOML in \/x\/config\.toml at line 2, column \d+: /)
      assert.equal(err.message.includes('\n'), false)

      return true
    })
  })

  it('warns about unknown keys, keeps them in extra, and stays silent for official tables it does not use', () => {
    const text = 'bogus = 1\nsentry_dsn = "x"\n[[runners]]\nname = "a"\nurl = "https://gitlab.example.com"\nfoo = "bar"\n[runners.kubernetes]\nnamespace = "ci"\n'
    const { config, warnings } = parseConfig(text, 'c.toml')
    assert.deepEqual(warnings, ['unknown key bogus — ignored', 'unknown key runners[0].foo — ignored'])
    assert.deepEqual(config.extra, { bogus: 1, sentry_dsn: 'x' })
    assert.equal(config.runners[0]?.extra.foo, 'bar')
    assert.deepEqual({ ...(config.runners[0]?.extra.kubernetes as object) }, { namespace: 'ci' })
  })

  it('reads token timestamps from TOML datetimes or strings, and the zero time as no expiry', () => {
    const text = [
      '[[runners]]', 'token_obtained_at = 2026-01-02T03:04:05Z', 'token_expires_at = 0001-01-01T00:00:00Z',
      '[[runners]]', 'token_obtained_at = "2026-01-02T03:04:05.250Z"', 'token_expires_at = "2026-02-01T00:00:00+01:00"',
    ].join('\n')
    const { config } = parseConfig(text, 'c.toml')
    assert.equal(config.runners[0]?.token_obtained_at, '2026-01-02T03:04:05Z')
    assert.equal(config.runners[0]?.token_expires_at, undefined)
    assert.equal(config.runners[1]?.token_obtained_at, '2026-01-02T03:04:05.250Z')
    assert.equal(config.runners[1]?.token_expires_at, '2026-01-31T23:00:00Z')
    assert.throws(() => parseConfig('[[runners]]\ntoken_expires_at = "soon"\n', 'c.toml'), /token_expires_at: expected a date-time/)
  })

  it('accepts a session_server table and a duration string for unhealthy_interval', () => {
    const text = '[session_server]\nlisten_address = "127.0.0.1:8093"\nsession_timeout = 1800\n[[runners]]\nurl = "https://gitlab.example.com"\nunhealthy_interval = "1h30m"\n'
    const { config, warnings } = parseConfig(text, 'c.toml')
    assert.deepEqual(warnings, [])
    assert.deepEqual(config.session_server, { listen_address: '127.0.0.1:8093', session_timeout: 1800 })
    assert.equal(config.runners[0]?.unhealthy_interval, 5400)
  })
})

describe('one report for the whole file', () => {
  it('lists type errors and value errors of every entry together, each under its own index', () => {
    const text = 'concurrent = "four"\n[[runners]]\nlimit = "two"\nurl = "not a url"\nexecutor = "shel"\nshell = "fish"\n[[runners]]\nurl = "ftp://x"\nexecutor = "shell"\n'
    assert.throws(() => parseConfig(text, 'c.toml'), (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      for (const expected of [/concurrent: expected/, /runners\[0\]\.limit: expected/, /runners\[0\]\.url: expected an http/, /runners\[0\]\.shell: expected one of/, /runners\[0\]\.executor: expected one of/, /\(and 1 more\)$/]) {
        assert.match(err.message, expected)
      }

      return true
    })
  })

  it('names the entry by its place in the file even after an entry that failed validation', () => {
    assert.throws(() => parseConfig('[[runners]]\nlimit = "two"\n[[runners]]\nurl = "ftp://x"\n', 'c.toml'), /runners\[0\]\.limit: expected an integer, got "two"; runners\[1\]\.url: expected an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x"/)
  })

  it('warns about an entry without url: it cannot take jobs', () => {
    const { warnings } = parseConfig('[[runners]]\nname = "a"\nexecutor = "shell"\n', 'c.toml')
    assert.deepEqual(warnings, ['runners[0].url: missing; this runner cannot take jobs until it has the GitLab URL'])
  })
})

describe('value checks beyond types', () => {
  const runner = (fields: string) => `[[runners]]\nname = "a"\ntoken = "glrt-x"\n${fields}\n`

  it('refuses a url that is not http(s), an unknown shell and an unknown executor, naming each key', () => {
    assert.throws(
      () => parseConfig(runner('url = "nota url"\nexecutor = "rocket"\nshell = "fish"'), 'c.toml'),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message.includes('runners[0].url: expected an http:// or https:// URL, got "nota url"') &&
        err.message.includes('runners[0].shell: expected one of bash, sh, pwsh, powershell, got "fish"') &&
        err.message.includes('runners[0].executor: expected one of shell, docker, ssh, custom, got "rocket"'),
    )
  })

  it('keeps a runner of an official executor glrunner lacks, with a warning', () => {
    const { config, warnings } = parseConfig(runner('url = "https://gitlab.example.com"\nexecutor = "kubernetes"'), 'c.toml')
    assert.equal(config.runners[0]?.executor, 'kubernetes')
    assert.deepEqual(warnings, ['runners[0].executor: the kubernetes executor is not supported by glrunner yet; this runner will not take jobs'])
  })

  it('says --config must name a file when it names a folder', async () => {
    await assert.rejects(loadConfig(tmpdir()), (err: unknown) => err instanceof ConfigError && err.hint === '--config must name a file (config.toml), not a folder.')
  })
})
