/**
 * The docker executor: jobs in containers of their `image`, with `services`, on a real
 * Docker Engine, with no helper image from a registry.
 *
 * Design
 * - Engine: dockerode behind ContainerClient (container-client.ts); only dockerode-client.ts
 *   imports the library. `[runners.docker] host` / DOCKER_HOST: unix socket, or tcp with
 *   `tls_cert_path` (ca.pem, cert.pem, key.pem) for https.
 * - Containers per job: `<base>-build` (job image, or `[runners.docker] image`) runs the
 *   user steps and after_script; `<base>-predefined` runs the predefined stages
 *   (prepare_script, get_sources, cache/artifact scripts, cleanup). Each stage starts the
 *   container again with the shell-detection script (`sh -c`, job-execution.md 4.7) as its
 *   command and the stage script on attached stdin; the exit code is the stage result
 *   (`exit code N`). The image's entrypoint is kept unless `image:entrypoint` overrides it.
 * - Where git runs (get_sources): in the predefined container, whose image is
 *   1. `helper_image` when set: any image with sh and git (works with a remote engine), else
 *   2. with a local engine, the "host-tools" image: an almost empty image made once with
 *      `docker import` (never pulled) whose containers mount the runner host's /usr (and
 *      /bin, /lib… when not symlinks into it) read-only, so the host's sh and git run inside
 *      the container's namespaces, on the job network, with the job's volumes — user hooks
 *      never run on the host itself; else
 *   3. (remote engine, no helper_image) the build container, so the job image needs git.
 *   So a job image with nothing but `sh` (busybox) works, git sources included, with a
 *   local engine or a helper_image.
 * - Files: `/builds` is a per-job volume (per-project and kept for GIT_STRATEGY=fetch),
 *   `volumes` entries give cache volumes (`"/cache"`, kept unless `disable_cache`, host dirs
 *   under `cache_dir` when set), bind mounts and named volumes; all containers share them.
 *   Paths seen by scripts are container paths; `hostProjectDir` is undefined and `files`
 *   moves files in and out of the project dir with the archive API (tar streams), which
 *   also works for remote engines.
 * - Images: pull policies (always, if-not-present, never; lists tried in order) filtered by
 *   `allowed_pull_policies`; `allowed_images` / `allowed_services` globs; credentials from
 *   DOCKER_AUTH_CONFIG, ~/.docker/config.json, then the payload; pull progress in the log.
 * - Services: one container each on a per-job bridge network, reachable by the derived
 *   names (`/`→`__`, `/`→`-`) and `alias` lists; the health wait runs a probe container
 *   (the helper image) on the same network against the exposed and declared TCP ports, up
 *   to `wait_for_services_timeout`, and prints the service log when it fails.
 * - Container keys: stage and service specs are pure functions of `[runners.docker]`
 *   (container-specs.ts) mapped to Engine create options in create-options.ts. The build
 *   container gets the limits, security keys, hostname, tmpfs and `user` (or the job's
 *   `image:docker:user`, checked against `allowed_users`); services get `services_tmpfs`
 *   and `services_privileged`; `container_labels` values are expanded with job variables.
 * - Stop and cleanup: an aborted stage SIGKILLs its container; cleanup force-removes every
 *   container, the network and the per-job volumes (persistent cache volumes are kept).
 * - Crash leftovers: every job object also carries `glrunner.owner` (host, boot id, pid and
 *   start time of the glrunner process). At start-up (provider.startup(), called by the
 *   runner manager; else before the first job on an engine) objects whose owner process is
 *   gone are removed, kept cache volumes excepted. Objects of this process, of other live
 *   processes, of other machines, and objects without the owner label are never touched.
 */
export { DockerExecutor, type DockerExecutorOptions } from './docker-executor.js'
export { createDockerExecutorProvider, dockerExecutorProvider } from './provider.js'
export type { ContainerClient, EngineAddress } from './container-client.js'
export { createDockerodeClient } from './dockerode-client.js'
export { connectDockerEngine, type ContainerClientFactory } from './connect-engine.js'
export { readDockerSettings, type DockerSettings } from './docker-settings.js'
export { defaultServiceAliases, parseImageRef, serviceName } from './image-ref.js'
export { effectivePullPolicies, isImageAllowed } from './image-policy.js'
export { ImagePullError } from './pull.js'
export { MANAGED_LABEL, LABEL_PREFIX } from './job-names.js'
export { detectShellScript } from './stage-container.js'
export { isLeftover, reapLeftovers, type ReapReport } from './leftover-reaper.js'
export { OWNER_LABEL } from './process-owner.js'
