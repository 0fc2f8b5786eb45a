/**
 * A TCP forwarder from an address containers can reach (the gateway of a Docker network
 * glrunner created) to the embedded coordinator on 127.0.0.1. Containers connect to the
 * gateway; this process itself only ever connects to loopback.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

export interface TcpForwarder {
  /** The address and port containers connect to. */
  host: string
  port: number
  close(): Promise<void>
}

/** Listens on `host` (port chosen by the system) and forwards to 127.0.0.1:`targetPort()`. */
export async function startTcpForwarder(host: string, targetPort: () => number): Promise<TcpForwarder> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((incoming) => {
    const outgoing = connect({ host: '127.0.0.1', port: targetPort() })
    for (const socket of [incoming, outgoing]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {
        incoming.destroy()
        outgoing.destroy()
      })
    }
    incoming.pipe(outgoing)
    outgoing.pipe(incoming)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0

  return {
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
