/** glrunner's version, as printed in the job log header and sent to GitLab. */
import { readFileSync } from 'node:fs'

function readPackageVersion(): string {
  try {
    const url = new URL('../../package.json', import.meta.url)
    const parsed = JSON.parse(readFileSync(url, 'utf8')) as { version?: string }

    return parsed.version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
}

export const GLRUNNER_VERSION = readPackageVersion()
/** Revision shown as `(<revision>)` in the log header; set at build time when known. */
export const GLRUNNER_REVISION = process.env.GLRUNNER_REVISION ?? 'unknown'
