// The settings the proxy runs with: the loaded ones plus what the demo and the host imply, and the
// default role binding they add up to.
import { existsSync } from 'node:fs';
import type { LoadResult } from './load.js';
import type { Config } from './types.js';

export type Loaded = Extract<LoadResult, { action: 'run' }>;

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** The account of the demo's roles (identity/demo-callers.ts) unless DEFAULT_ACCOUNT_ID names one. */
export const DEMO_ACCOUNT = '123456789012';

export interface HostFacts {
  logger?: { info(message: string): void };
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

/** Settings the demo forces: nothing here can reach AWS or Docker. */
export function applyDemo(config: Config): Config {
  return { ...config, mockApi: true, stsMode: 'offline', dockerEnabled: false, defaultAccountId: config.defaultAccountId ?? DEMO_ACCOUNT };
}

/**
 * The role of callers without one of their own: DEFAULT_ROLE, or the ARN ec2metaproxy's defaultAlias names
 * in aliasToARN (a role ARN, as the settings check; roles/default-role.ts checks both at start-up).
 */
export function defaultBinding(config: Config): { spec: string } | undefined {
  if (config.defaultRole !== undefined) return { spec: config.defaultRole };
  if (config.defaultAlias === undefined || !Object.hasOwn(config.aliasToArn, config.defaultAlias)) return undefined;
  return { spec: config.aliasToArn[config.defaultAlias]! };
}
