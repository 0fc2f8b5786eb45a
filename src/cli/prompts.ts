/**
 * Interactive questions for `register` on a terminal. One Prompter per command run; it
 * owns a readline interface and must be closed, or the process would wait for stdin.
 */
import { createInterface, type Interface } from 'node:readline/promises'

export interface Prompter {
  /** Asks until a non-empty answer (or the default, shown in brackets, on Enter). */
  ask(question: string, options?: { defaultValue?: string; allowed?: readonly string[] }): Promise<string>
  close(): void
}

export interface PrompterStreams {
  input?: NodeJS.ReadableStream
  output?: NodeJS.WritableStream
}

export function createPrompter(streams: PrompterStreams = {}): Prompter {
  const output = streams.output ?? process.stdout
  let rl: Interface | undefined

  const readline = (): Interface => {
    rl ??= createInterface({ input: streams.input ?? process.stdin, output, terminal: false })

    return rl
  }

  return {
    async ask(question, options = {}) {
      const { defaultValue, allowed } = options
      for (;;) {
        output.write(`${question}${defaultValue ? ` [${defaultValue}]` : ''}:\n`)
        const answer = (await readline().question('')).trim() || (defaultValue ?? '')
        if (answer === '') continue
        if (allowed && !allowed.includes(answer)) {
          output.write(`Please enter one of: ${allowed.join(', ')}\n`)
          continue
        }

        return answer
      }
    },
    close() {
      rl?.close()
    },
  }
}

/** True when `register` may ask questions: stdin is a terminal and --non-interactive is off. */
export function canPrompt(nonInteractive: boolean): boolean {
  return !nonInteractive && process.stdin.isTTY === true
}
