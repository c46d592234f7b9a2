// The settings the proxy runs with: the loaded ones plus what the demo and the host imply.
import { existsSync } from 'node:fs';
import type { LoadResult } from './config/load.js';
import type { Config } from './config/types.js';
import type { Logger } from './observability/logger.js';
import { applyDemo } from './demo.js';

export type Loaded = Extract<LoadResult, { action: 'run' }>;

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface HostFacts {
  logger?: Logger;
  /** Whether the default Docker socket exists; checked on this host when left out. */
  dockerSocketExists?: boolean;
}

export function effectiveConfig(loaded: Loaded, host: HostFacts = {}): Config {
  let config = loaded.config;
  // The demo listens on loopback unless told otherwise: its callers are 127.0.0.x.
  if (config.demo) config = applyDemo({ ...config, host: loaded.sources.host === undefined ? '127.0.0.1' : config.host });
  // Docker identity is expected unless turned off (DOCKER=false): a missing socket is retried and keeps
  // /readyz not ready. The one implicit exception is a mapping-file set-up on a host with no Docker
  // socket and no Docker setting at all.
  const dockerUnset = loaded.sources.dockerUrl === undefined && loaded.sources.dockerEnabled === undefined;
  const socketExists = host.dockerSocketExists ?? existsSync(DEFAULT_DOCKER_SOCKET);
  if (config.dockerEnabled && dockerUnset && config.roleMappingFile !== undefined && !socketExists) {
    host.logger?.info(`no Docker socket at ${DEFAULT_DOCKER_SOCKET} and ROLE_MAPPING_FILE is set: mapping file only (DOCKER=true waits for Docker)`);
    config = { ...config, dockerEnabled: false };
  }
  return config;
}
