/**
 * One stage in a container, the official way (executors.md 4.1): the container's command is
 * the shell-detection script, the runner attaches, starts it, writes the stage script to
 * stdin, closes stdin and waits for the exit code. The same container is started again for
 * the next stage, so files outside the volumes survive between stages as they do upstream.
 */
import { GlrunnerError, ScriptExitError } from '../../core/errors.js'
import type { ContainerClient } from './container-client.js'

/**
 * job-execution.md 4.7: the first bash, else sh, found in the usual places; the normal
 * shell type (no `-l`), so image ENV values are not clobbered by profile scripts.
 */
export function detectShellScript(): string {
  const candidates = ['/usr/local/bin/bash', '/usr/bin/bash', '/bin/bash', '/usr/local/bin/sh', '/usr/bin/sh', '/bin/sh', '/busybox/sh']
  const lines = candidates.map((path, index) => `${index === 0 ? 'if' : 'elif'} [ -x ${path} ]; then\n\texec ${path} \n`)

  return `${lines.join('')}else\n\techo shell not found\n\texit 1\nfi\n\n`
}

/** Wait after the output ends for the exit status before treating the engine as stuck. */
const DRAIN_MS = 5_000

export interface StageRunOptions {
  client: ContainerClient
  containerId: string
  script: string
  stdout: (chunk: Buffer) => void
  stderr: (chunk: Buffer) => void
  signal: AbortSignal
}

/** Resolves on exit 0; ScriptExitError (`exit code N`) otherwise. */
export async function runStageInContainer(options: StageRunOptions): Promise<void> {
  const { client, containerId, signal } = options
  if (signal.aborted) throw abortedError()

  const attached = await client.attach(containerId, options.stdout, options.stderr)
  const onAbort = (): void => {
    // Cancel and timeout must be prompt: SIGKILL the container's init (the stage shell).
    client.killContainer(containerId).catch(() => undefined)
  }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    await client.startContainer(containerId)
    attached.stdin.end(options.script)
    const exitCode = await client.waitContainer(containerId)
    // The exit status can arrive before the last output bytes: let the stream finish.
    await Promise.race([attached.done, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())])
    if (signal.aborted) throw abortedError()
    if (exitCode !== 0) throw new ScriptExitError(exitCode, `exit code ${exitCode}`)
  } finally {
    signal.removeEventListener('abort', onAbort)
    attached.stdin.destroy()
  }
}

function abortedError(): GlrunnerError {
  return new GlrunnerError('GLR_DOCKER_ABORTED', 'the stage was stopped', { failureReason: 'job_canceled' })
}
