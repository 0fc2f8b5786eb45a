/**
 * The Docker Engine client, loaded on first use. dockerode (with its gRPC and protobuf
 * dependencies) costs a few hundred milliseconds to load, which every shell-executor job,
 * `glrunner exec` run and `--version` would otherwise pay without ever talking to Docker.
 */
import type { ContainerClient, EngineAddress } from './container-client.js'

/** Makes engine clients; tests pass their own, which may answer synchronously. */
export type ContainerClientFactory = (address: EngineAddress) => ContainerClient | Promise<ContainerClient>

export async function connectDockerEngine(address: EngineAddress): Promise<ContainerClient> {
  const { createDockerodeClient } = await import('./dockerode-client.js')

  return createDockerodeClient(address)
}
