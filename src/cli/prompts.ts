/**
 * Interactive questions for `register` on a terminal. One Prompter per command run; it
 * owns a readline interface and must be closed, or the process would wait for stdin.
 */
import { createInterface } from 'node:readline'
import { ConfigError } from '../core/errors.js'

export interface Prompter {
  /**
   * Asks until a non-empty answer (or the default, shown in brackets, on Enter). With
   * `optional`, Enter alone is an answer: the empty string.
   */
  ask(question: string, options?: AskOptions): Promise<string>
  close(): void
}

export interface AskOptions {
  defaultValue?: string
  allowed?: readonly string[]
  optional?: boolean
}

export interface PrompterStreams {
  input?: NodeJS.ReadableStream
  output?: NodeJS.WritableStream
}

export function createPrompter(streams: PrompterStreams = {}): Prompter {
  const output = streams.output ?? process.stdout
  // Lines are read through the async iterator, which buffers them: answers typed (or piped)
  // ahead of their question are kept, where readline's question() would drop them.
  let rl: ReturnType<typeof createInterface> | undefined
  let lines: AsyncIterator<string> | undefined

  const nextLine = async (): Promise<string> => {
    rl ??= createInterface({ input: streams.input ?? process.stdin, terminal: false })
    lines ??= rl[Symbol.asyncIterator]()
    const next = await lines.next()
    if (next.done) throw new ConfigError('input ended before all questions were answered', { hint: 'Pass the values as flags with --non-interactive.' })

    return next.value
  }

  return {
    async ask(question, options = {}) {
      const { defaultValue, allowed, optional = false } = options
      for (;;) {
        output.write(`${question}${defaultValue ? ` [${defaultValue}]` : ''}:\n`)
        const answer = (await nextLine()).trim() || (defaultValue ?? '')
        if (answer === '' && optional) return ''
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
