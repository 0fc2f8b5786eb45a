/** Runs a baseline command and times it; throws when it fails. */
import { spawn } from 'node:child_process'
import { BenchError } from './bench-error.js'

export interface TimedResult {
  ms: number
  /** Peak RSS of the command (KiB), when measured through /usr/bin/time. */
  peakRssKiB?: number
  cpuSeconds?: number
}

/** Wall time of `command args`, with output thrown away. */
export function timeCommand(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<TimedResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)))
    child.on('error', (err) => reject(new BenchError(`running ${command}`, { cause: err })))
    child.on('exit', (code) => {
      const ms = performance.now() - started
      if (code !== 0) reject(new BenchError(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim()}`))
      else resolve({ ms, ...parseTimeOutput(stderr) })
    })
  })
}

/** `/usr/bin/time -f '%M %U %S'` prints its line last on stderr. */
function parseTimeOutput(stderr: string): Partial<TimedResult> {
  const match = /(\d+) (\d+\.\d+) (\d+\.\d+)\s*$/.exec(stderr)
  if (!match) return {}

  return { peakRssKiB: Number(match[1]), cpuSeconds: Number(match[2]) + Number(match[3]) }
}

/** Like timeCommand, also reporting peak RSS and CPU of the command (and its children). */
export function timeCommandWithUsage(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<TimedResult> {
  return timeCommand('/usr/bin/time', ['-f', '%M %U %S', command, ...args], options)
}
