// CONTAINER_ENGINE: which engine serves DOCKER_URL, Docker or rootful Podman (`podman system service`,
// whose Docker-compatible API words events differently; see podman-client.ts). `auto` asks the engine once,
// at start-up. Either way the engine is asked whether it runs rootless, which source addresses cannot
// serve: slirp4netns, pasta and RootlessKit put containers behind the host's own address, so containers
// cannot be told apart.
import type { Logger } from '../../observability/logger.js';
import { errorMessage } from '../../core/error-message.js';

export type EngineName = 'docker' | 'podman';
export type EngineSetting = EngineName | 'auto';

/** GET /version and GET /info as dockerode answers them (its typings leave out the options it takes). */
export interface EngineQueries {
  version(options: { abortSignal: AbortSignal }): Promise<unknown>;
  info(options: { abortSignal: AbortSignal }): Promise<unknown>;
}

/** A per-user runtime folder (XDG_RUNTIME_DIR) holds only a rootless engine's socket. */
const ROOTLESS_SOCKET = /^unix:\/\/\/run\/user\/\d+\//;

/** Which engine answered GET /version: Podman lists itself among the components; anything else is Docker. */
export function engineOfVersion(version: unknown): EngineName {
  const components = (version as { Components?: unknown } | null)?.Components;
  const names = Array.isArray(components) ? components.map((c) => (c as { Name?: unknown } | null)?.Name) : [];
  return names.some((name) => typeof name === 'string' && /podman/i.test(name)) ? 'podman' : 'docker';
}

/** GET /info of a rootless engine: Podman says `Rootless: true`, rootless Docker lists `name=rootless`. */
export function isRootless(info: unknown): boolean {
  const answer = info as { Rootless?: unknown; SecurityOptions?: unknown } | null;
  if (answer?.Rootless === true) return true;
  const options = Array.isArray(answer?.SecurityOptions) ? answer.SecurityOptions : [];
  return options.some((option) => typeof option === 'string' && option.split(',').includes('name=rootless'));
}

export async function chooseEngine(
  client: EngineQueries,
  setting: EngineSetting,
  dockerUrl: string,
  logger: Logger,
  timeoutMs = 2_000,
): Promise<EngineName> {
  let name = setting === 'auto' ? undefined : setting;
  let rootless = ROOTLESS_SOCKET.test(dockerUrl);
  try {
    name ??= engineOfVersion(await client.version({ abortSignal: AbortSignal.timeout(timeoutMs) }));
    rootless ||= isRootless(await client.info({ abortSignal: AbortSignal.timeout(timeoutMs) }));
  } catch (error) {
    if (name === undefined) {
      logger.warn({ reason: errorMessage(error), dockerUrl }, 'the container engine did not say which it is; taking it for Docker (CONTAINER_ENGINE=podman says otherwise)');
    }
  }
  name ??= 'docker';
  logger.info({ engine: name, dockerUrl }, `container engine: ${name}`);
  if (rootless) {
    const fix = name === 'podman' ? 'run the rootful service (as root: systemctl enable --now podman.socket; DOCKER_URL=unix:///run/podman/podman.sock)' : 'use the rootful engine';
    logger.error(
      { engine: name, dockerUrl },
      `rootless ${name === 'podman' ? 'Podman' : 'Docker'} is not supported: slirp4netns, pasta and RootlessKit hide containers' source addresses, ` +
        `so no container can be told apart and none gets a role; ${fix}`,
    );
  }
  return name;
}
