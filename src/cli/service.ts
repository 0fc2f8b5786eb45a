/**
 * `glrunner start|stop|restart|status`: drive the service `glrunner install` created.
 * `stop` drains: the service gets SIGQUIT, so running jobs finish before it exits.
 * `status` exits 1 when the service is not running, so scripts can test it.
 */
import { Command } from 'commander'
import { ServiceManager } from '../service/service-manager.js'
import { parseServiceName, serviceAction } from './install.js'

type Verb = 'start' | 'stop' | 'restart'

const DESCRIPTIONS: Record<Verb | 'status', string> = {
  start: 'start the glrunner service',
  stop: 'stop the glrunner service after its running jobs finish',
  restart: 'restart the glrunner service (running jobs finish first)',
  status: 'show whether the glrunner service is running (exit status 1 when not)',
}

export function serviceCommand(verb: Verb | 'status', manager: () => ServiceManager = () => new ServiceManager()): Command {
  const command = new Command(verb).description(DESCRIPTIONS[verb]).option('-n, --service <name>', 'service name', parseServiceName, 'glrunner')
  if (verb === 'status') {
    return command.action(async (flags: { service: string }, self: Command) =>
      serviceAction(self, async () => {
        const state = await manager().status(flags.service)
        if (state !== 'running') process.exitCode = 1

        return `${flags.service}: Service is ${state}`
      }),
    )
  }

  return command.action(async (flags: { service: string }, self: Command) =>
    serviceAction(self, async () => {
      await manager()[verb](flags.service)

      return `${flags.service}: ${PAST[verb]}`
    }),
  )
}

const PAST: Record<Verb, string> = { start: 'started', stop: 'stopped', restart: 'restarted' }
