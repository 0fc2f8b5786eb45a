/**
 * Where runner-side stages read and write the build's files. Only executors whose build
 * directory is on the runner's own file system (shell) offer it today; the others fail
 * these stages clearly until a file-transfer channel exists.
 */
import { mkdir } from 'node:fs/promises'
import { GlrunnerError } from '../../core/errors.js'
import type { RunnerStageContext } from './runner-stage.js'

export class StageNotSupportedError extends GlrunnerError {
  constructor(action: string) {
    super('GLR_STAGE_UNSUPPORTED', `${action} is not supported by this executor yet`, {
      failureReason: 'runner_system_failure',
      hint: 'Run jobs with cache, artifacts or dependencies on the shell executor for now.',
    })
  }
}

export interface HostFiles {
  /** The project directory (the cwd of the official helper). */
  projectDir: string
  /** `<project dir>.tmp`, created on demand, for downloaded and built archives. */
  tmpDir: string
}

/** The build's directories on this machine; throws StageNotSupportedError without them. */
export async function hostFiles(context: RunnerStageContext, action: string): Promise<HostFiles> {
  const projectDir = context.hostProjectDir
  if (projectDir === undefined) throw new StageNotSupportedError(action)

  const tmpDir = `${projectDir}.tmp`
  await mkdir(tmpDir, { recursive: true })

  return { projectDir, tmpDir }
}
