#!/usr/bin/env node
// The command line: `metadataproxy [options]` runs the proxy; `status`, `healthcheck` and `iptables` are operator tools.
import { existsSync, readFileSync } from 'node:fs';
import { loadConfig, settingsText, type LoadResult } from './config/load.js';
import { exitWithConfigErrors, SettingError } from './config/exit.js';
import { foreignSettingNotices } from './config/foreign-settings.js';
import { renderHelp } from './config/help.js';
import type { Config } from './config/types.js';
import { createLogger, type Logger } from './observability/logger.js';
import { startupLine } from './observability/startup-line.js';
import { startNewRelic } from './observability/newrelic.js';
import { runStatusCommand } from './commands/status.js';
import { runHealthcheckCommand } from './commands/healthcheck.js';
import { runIptablesCommand } from './commands/iptables.js';
import { runProgram, type CommandIo } from './commands/io.js';
import { applyDemo, demoInstructions } from './demo.js';

const readFile = (path: string) => readFileSync(path, 'utf8');
const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
const DRAIN_TIMEOUT_MS = 10_000;

const io: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile,
};

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

type Loaded = Extract<LoadResult, { action: 'run' }>;

/** The settings the proxy runs with: the loaded ones plus what the demo and the host imply. */
function effectiveConfig(loaded: Loaded, logger?: Logger): Config {
  let config = loaded.config;
  // The demo listens on loopback unless told otherwise: its callers are 127.0.0.x.
  if (config.demo) config = applyDemo({ ...config, host: loaded.sources.host === undefined ? '127.0.0.1' : config.host });
  // Docker identity is on by default, but a host without Docker should not need a flag to say so.
  const dockerUnset = loaded.sources.dockerUrl === undefined && loaded.sources.dockerEnabled === undefined;
  if (config.dockerEnabled && dockerUnset && !existsSync(DEFAULT_DOCKER_SOCKET)) {
    logger?.info(`no Docker socket at ${DEFAULT_DOCKER_SOCKET}: Docker identity is off (set DOCKER_URL to use one elsewhere)`);
    config = { ...config, dockerEnabled: false };
  }
  return config;
}

async function runProxy(argv: readonly string[]): Promise<void> {
  const loaded = loadConfig({ argv, env: process.env, readFile });
  if (!loaded.ok) return exitWithConfigErrors(loaded.errors);
  if (loaded.action !== 'run') {
    process.stdout.write((loaded.action === 'help' ? renderHelp() : packageVersion()) + '\n');
    return;
  }
  let logger = createLogger({ level: loaded.config.logLevel, format: loaded.config.logFormat });
  let config = effectiveConfig(loaded, logger);
  for (const notice of foreignSettingNotices(process.env)) logger[notice.level](notice.message);
  if (config.stsMode === 'offline') {
    logger.warn('OFFLINE STS: credentials are minted locally and are NOT valid AWS credentials (demo, laptops and CI only)');
  }
  await startNewRelic(config, logger);
  // Loaded only now, so a bad setting is reported without first loading the AWS SDK.
  const { startProxy } = await import('./main.js');
  let proxy = await startProxy(config, { logger });
  logger.info(startupLine(config, proxy.sourceNames, { proxy: proxy.urls.join(', '), admin: proxy.adminAddress }));
  if (config.demo) process.stdout.write(demoInstructions(proxy.url) + '\n');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: draining in-flight requests, then stopping`);
    proxy.close(DRAIN_TIMEOUT_MS).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  // SIGHUP re-reads the mapping file, and the settings (config file included). New settings are applied
  // by restarting the proxy in-process; a broken edit is logged and the running proxy keeps going.
  let reloading = Promise.resolve();
  process.on('SIGHUP', () => {
    reloading = reloading.then(async () => {
      const again = loadConfig({ argv, env: process.env, readFile });
      if (!again.ok) return logger.error({ problems: again.errors }, 'SIGHUP: settings invalid; keeping the running ones');
      if (again.action !== 'run') return;
      const next = effectiveConfig(again);
      if (settingsText(next) === settingsText(config)) {
        logger.info('SIGHUP: settings unchanged; reloading the mapping file');
        return proxy.reload();
      }
      logger.info('SIGHUP: settings changed; restarting the proxy with them');
      if (next.logLevel !== config.logLevel || next.logFormat !== config.logFormat) {
        logger = createLogger({ level: next.logLevel, format: next.logFormat });
      }
      await proxy.close(DRAIN_TIMEOUT_MS);
      try {
        proxy = await startProxy(next, { logger });
        config = next;
      } catch (error) {
        logger.error({ err: error }, 'SIGHUP: the new settings do not start; back to the running ones');
        proxy = await startProxy(config, { logger });
      }
      logger.info(startupLine(config, proxy.sourceNames, { proxy: proxy.urls.join(', '), admin: proxy.adminAddress }));
    }).catch((error: unknown) => logger.error({ err: error }, 'SIGHUP: reload failed'));
  });
}

async function main(argv: readonly string[]): Promise<void> {
  switch (argv[0]) {
    case 'status':
      process.exitCode = await runStatusCommand(argv.slice(1), process.env, io);
      return;
    case 'healthcheck':
      process.exitCode = await runHealthcheckCommand(argv.slice(1), process.env, io);
      return;
    case 'iptables':
      process.exitCode = await runIptablesCommand(argv.slice(1), process.env, io, runProgram);
      return;
    default:
      return runProxy(argv);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof SettingError) exitWithConfigErrors([error.message]);
  process.stderr.write(`metadataproxy: ${(error as Error).message ?? String(error)}\n`);
  process.exit(1);
});
