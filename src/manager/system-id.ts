/**
 * The runner manager's system id (spec 1.2): `s_` + 12 hex chars of
 * HMAC-SHA256(machine id, "gitlab-runner"), or `r_` + 12 random alphanumerics when there is
 * no machine id. Kept in `.runner_system_id` beside config.toml.
 */
import { createHmac, randomInt } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

export const SYSTEM_ID_PATTERN = /^[sr]_[0-9a-zA-Z]{12}$/
const MACHINE_ID_FILES = ['/var/lib/dbus/machine-id', '/etc/machine-id']
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

/** A fresh id from the machine id, or a random one. */
export async function generateSystemId(machineIdFiles: readonly string[] = MACHINE_ID_FILES): Promise<string> {
  for (const file of machineIdFiles) {
    const machineId = (await readFile(file, 'utf8').catch(() => '')).trim()
    if (machineId !== '') return `s_${createHmac('sha256', machineId).update('gitlab-runner').digest('hex').slice(0, 12)}`
  }

  return `r_${Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')}`
}

/**
 * Reads `.runner_system_id` next to the config file, or creates it. A write failure is
 * returned as `warning`; the in-memory id is still used.
 */
export async function loadOrCreateSystemId(configPath: string): Promise<{ systemId: string; warning?: string }> {
  const file = join(dirname(configPath), '.runner_system_id')
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim()
  if (SYSTEM_ID_PATTERN.test(existing)) return { systemId: existing }

  const systemId = await generateSystemId()
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 })
    await writeFile(file, systemId, { mode: 0o600 })
  } catch (err) {
    return { systemId, warning: `could not save the system id to ${file}: ${(err as Error).message}` }
  }

  return { systemId }
}
