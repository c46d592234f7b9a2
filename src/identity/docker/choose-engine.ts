// CONTAINER_ENGINE: which engine serves DOCKER_URL, Docker or rootful Podman (`podman system service`,
// whose Docker-compatible API words events differently; see podman-client.ts). `auto` asks the engine
// before the first event stream, and again at the next reconnect if it did not answer: guessing would read
// a busy Podman's events in Docker's words. Either way the engine is asked whether it runs rootless, which source addresses cannot
// serve: slirp4netns, pasta and RootlessKit put containers behind the host's own address, so containers
// cannot be told apart.
import type { GetEventsOptions } from 'dockerode';
import type { Logger } from '../../observability/logger.js';
import type { DockerClient } from './docker-source.js';
import { podmanCompatClient } from './podman-client.js';

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

/**
 * The engine at DOCKER_URL, read in its own words: events go through the Podman client once the engine is
 * known to be Podman. Until it has answered, asking for events fails like an unreachable engine (the Docker
 * source retries); list and inspect read alike on both.
 */
export function engineClient(client: DockerClient & EngineQueries, setting: EngineSetting, dockerUrl: string, logger: Logger): DockerClient {
  const podman = podmanCompatClient(client);
  let engine: Promise<EngineName> | undefined;
  const known = (): Promise<EngineName> =>
    (engine ??= chooseEngine(client, setting, dockerUrl, logger).catch((error: unknown) => {
      engine = undefined;
      throw error;
    }));
  return {
    ...podman,
    getEvents: (async (options: GetEventsOptions = {}) => ((await known()) === 'podman' ? podman : client).getEvents(options)) as DockerClient['getEvents'],
  };
}

/** Throws when `auto` gets no answer; the rootless question is best effort. */
export async function chooseEngine(
  client: EngineQueries,
  setting: EngineSetting,
  dockerUrl: string,
  logger: Logger,
  timeoutMs = 10_000,
): Promise<EngineName> {
  const name = setting === 'auto' ? engineOfVersion(await client.version({ abortSignal: AbortSignal.timeout(timeoutMs) })) : setting;
  let rootless = ROOTLESS_SOCKET.test(dockerUrl);
  try {
    rootless ||= isRootless(await client.info({ abortSignal: AbortSignal.timeout(timeoutMs) }));
  } catch {
    // The socket path has spoken; /info is asked again at no later point, the engine's answer is not needed to serve.
  }
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
