#!/usr/bin/env node
// The command line: `metadataproxy [options]` runs the proxy; `status` and `iptables` are operator tools.
import { existsSync, readFileSync } from 'node:fs';
import { loadConfig } from './config/load.js';
import { exitWithConfigErrors, SettingError } from './config/exit.js';
import { renderHelp } from './config/help.js';
import type { Config } from './config/types.js';
import { createLogger } from './observability/logger.js';
import { applyDemo, demoInstructions } from './demo.js';

const readFile = (path: string) => readFileSync(path, 'utf8');
const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function run(argv: readonly string[]): Promise<void> {
  const loaded = loadConfig({ argv, env: process.env, readFile });
  if (!loaded.ok) return exitWithConfigErrors(loaded.errors);
  if (loaded.action !== 'run') {
    process.stdout.write((loaded.action === 'help' ? renderHelp() : packageVersion()) + '\n');
    return;
  }
  let config: Config = loaded.config;
  // The demo listens on loopback unless told otherwise: its callers are 127.0.0.x.
  if (config.demo) config = applyDemo({ ...config, host: loaded.sources.host === undefined ? '127.0.0.1' : config.host });

  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  // Docker identity is on by default, but a host without Docker should not need a flag to say so.
  if (config.dockerEnabled && loaded.sources.dockerUrl === undefined && loaded.sources.dockerEnabled === undefined && !existsSync(DEFAULT_DOCKER_SOCKET)) {
    logger.info(`no Docker socket at ${DEFAULT_DOCKER_SOCKET}: Docker identity is off (set DOCKER_URL to use one elsewhere)`);
    config = { ...config, dockerEnabled: false };
  }
  if (config.stsMode === 'offline') {
    logger.warn('OFFLINE STS: credentials are minted locally and are NOT valid AWS credentials (demo, laptops and CI only)');
  }
  // Loaded only now, so a bad setting is reported without first loading the AWS SDK.
  const { startProxy } = await import('./main.js');
  const proxy = await startProxy(config, { logger });
  logger.info(`metadataproxy listening on ${proxy.url} (${config.mockApi ? 'mock metadata' : `upstream ${config.metadataUrl}`}, STS ${config.stsMode})`);
  if (config.demo) process.stdout.write(demoInstructions(proxy.url) + '\n');

  const stop = (signal: string) => {
    logger.info(`${signal}: draining and stopping`);
    proxy.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading');
    proxy.reload().catch((error: unknown) => logger.error({ err: error }, 'reload failed'));
  });
}

run(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof SettingError) exitWithConfigErrors([error.message]);
  process.stderr.write(`metadataproxy: ${(error as Error).message ?? String(error)}\n`);
  process.exit(1);
});
