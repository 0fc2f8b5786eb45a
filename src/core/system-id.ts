/**
 * The runner manager's system id (spec 1.2): `s_` + 12 hex chars of
 * HMAC-SHA256(key = machine id, "gitlab-runner") when the OS has a machine id, else `r_` +
 * 12 random alphanumerics. Kept in `.runner_system_id` beside config.toml so the same
 * installation keeps the same id across restarts.
 */
import { createHmac, randomInt } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Logger } from './logger.js'

export const SYSTEM_ID_FILE_NAME = '.runner_system_id'
export const SYSTEM_ID_PATTERN = /^[sr]_[0-9a-zA-Z]{12}$/
export const DEFAULT_MACHINE_ID_FILES = ['/var/lib/dbus/machine-id', '/etc/machine-id']

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

export interface SystemIdOptions {
  /** Where to look for the OS machine id, first readable non-empty file wins. */
  machineIdFiles?: string[]
  /** Told when the id file cannot be written (the id is then used from memory only). */
  logger?: Logger
}

export async function loadOrCreateSystemId(configPath: string, options: SystemIdOptions = {}): Promise<string> {
  const file = join(dirname(configPath), SYSTEM_ID_FILE_NAME)
  const stored = await readFile(file, 'utf8').then((text) => text.trim(), () => '')
  if (SYSTEM_ID_PATTERN.test(stored)) return stored

  const id = await generateSystemId(options.machineIdFiles ?? DEFAULT_MACHINE_ID_FILES)
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 })
    await writeFile(file, id, { mode: 0o600 })
  } catch (err) {
    options.logger?.warn('could not save the system id; using it for this run only', {
      file,
      system_id: id,
      error: (err as Error).message,
    })
  }

  return id
}

export async function generateSystemId(machineIdFiles: string[] = DEFAULT_MACHINE_ID_FILES): Promise<string> {
  const machineId = await readMachineId(machineIdFiles)
  if (machineId !== undefined) return systemIdFromMachineId(machineId)

  return `r_${randomAlphanumeric(12)}`
}

export function systemIdFromMachineId(machineId: string): string {
  return `s_${createHmac('sha256', machineId).update('gitlab-runner').digest('hex').slice(0, 12)}`
}

async function readMachineId(files: string[]): Promise<string | undefined> {
  for (const file of files) {
    const text = await readFile(file, 'utf8').then((content) => content.trim(), () => '')
    if (text !== '') return text
  }

  return undefined
}

function randomAlphanumeric(length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]

  return out
}
