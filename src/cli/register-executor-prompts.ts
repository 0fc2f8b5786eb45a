/**
 * The questions `glrunner register` asks on a terminal for an executor's own settings
 * ([runners.ssh], [runners.custom], the docker image), skipping every value already given
 * as a flag or environment variable.
 */
import type { Prompter } from './prompts.js'

/** The executor settings register collects; the same names as RegisterFlags. */
export interface ExecutorAnswers {
  executor?: string
  dockerImage?: string
  sshHost?: string
  sshPort?: string
  sshUser?: string
  sshPassword?: string
  sshIdentityFile?: string
  customConfigExec?: string
  customPrepareExec?: string
  customRunExec?: string
  customCleanupExec?: string
}

/** Fills in the missing settings of `values.executor` by asking; returns a new object. */
export async function askExecutorSettings<T extends ExecutorAnswers>(values: T, prompter: Prompter): Promise<T> {
  const result = { ...values }
  if (result.executor === 'docker') result.dockerImage ??= await prompter.ask('Enter the default Docker image (for example, alpine:latest)')
  if (result.executor === 'ssh') await askSsh(result, prompter)
  if (result.executor === 'custom') await askCustom(result, prompter)

  return result
}

async function askSsh(values: ExecutorAnswers, prompter: Prompter): Promise<void> {
  values.sshHost ??= await prompter.ask('Enter the SSH server address (for example, build-host.example.com)')
  values.sshPort ??= await prompter.ask('Enter the SSH server port', { defaultValue: '22' })
  values.sshUser ??= await prompter.ask('Enter the SSH user', { defaultValue: 'root' })
  // A key file or a password: one of them must authenticate. Asked only when neither was
  // given, so `--ssh-identity-file` alone does not lead to a password question.
  if (values.sshPassword !== undefined || values.sshIdentityFile !== undefined) return

  const identity = await prompter.ask('Enter the path to the SSH private key (Enter to use a password instead)', { optional: true })
  if (identity !== '') {
    values.sshIdentityFile = identity
    return
  }
  values.sshPassword = await prompter.ask('Enter the SSH password (it is stored in config.toml)')
}

async function askCustom(values: ExecutorAnswers, prompter: Prompter): Promise<void> {
  const optional = async (current: string | undefined, what: string): Promise<string | undefined> => {
    if (current !== undefined) return current
    const answer = await prompter.ask(`Enter the path of the ${what} program (Enter for none)`, { optional: true })

    return answer === '' ? undefined : answer
  }

  values.customConfigExec = await optional(values.customConfigExec, 'custom executor config_exec')
  values.customPrepareExec = await optional(values.customPrepareExec, 'custom executor prepare_exec')
  values.customRunExec ??= await prompter.ask('Enter the path of the custom executor run_exec program (runs every stage)')
  values.customCleanupExec = await optional(values.customCleanupExec, 'custom executor cleanup_exec')
}
