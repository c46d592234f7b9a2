#!/usr/bin/env node
// The command line: `metadataproxy [options]` runs the proxy; `status`, `healthcheck`, `iptables` and `config` are operator tools.
import { readFileSync } from 'node:fs';
import { loadConfig, settingsText, type LoadResult } from './config/load.js';
import { exitWithConfigErrors } from './config/exit.js';
import { SettingError } from './core/errors.js';
import { foreignSettingNotices } from './config/foreign-settings.js';
import { renderHelp } from './config/help.js';
import { createLogger, type Logger } from './observability/logger.js';
import { startupLine } from './observability/startup-line.js';
import { startNewRelic } from './observability/newrelic.js';
import { runStatusCommand } from './commands/status.js';
import { runIptablesCommand } from './commands/iptables.js';
import { runHealthcheckCommand } from './commands/healthcheck.js';
import { runConfigCommand } from './commands/config.js';
import { runProgram, type CommandIo } from './commands/io.js';
import { demoInstructions } from './identity/demo-callers.js';
import { effectiveConfig, type Loaded } from './config/effective.js';
import { defaultRoleProblems } from './roles/default-role.js';
import { routeProcessWarnings } from './observability/process-warnings.js';

const readFile = (path: string) => readFileSync(path, 'utf8');
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


/** The loaded settings, or the lines that say why they cannot run. */
function checkedSettings(loaded: LoadResult): { loaded: Loaded } | { errors: string[] } | undefined {
  if (!loaded.ok) return { errors: loaded.errors };
  if (loaded.action !== 'run') return undefined;
  const errors = defaultRoleProblems(loaded.config, loaded.sources);
  return errors.length > 0 ? { errors } : { loaded };
}

/** The listening line at every log level but silent: it is how an operator knows the proxy is up. */
function announce(logger: Logger, line: string): void {
  if (logger.level !== 'silent') logger.child({}, { level: 'info' }).info(line);
}

async function runProxy(argv: readonly string[]): Promise<void> {
  const first = loadConfig({ argv, env: process.env, readFile });
  if (first.ok && first.action !== 'run') {
    process.stdout.write((first.action === 'help' ? renderHelp() : packageVersion()) + '\n');
    return;
  }
  const checked = checkedSettings(first)!;
  if ('errors' in checked) return exitWithConfigErrors(checked.errors);
  const { loaded } = checked;
  let logger = createLogger({ level: loaded.config.logLevel, format: loaded.config.logFormat });
  routeProcessWarnings(() => logger);
  let config = effectiveConfig(loaded, { logger });
  for (const notice of foreignSettingNotices(process.env)) logger[notice.level](notice.message);
  if (config.stsMode === 'offline') {
    logger.warn('OFFLINE STS: credentials are minted locally and are NOT valid AWS credentials (demo, laptops and CI only)');
  }
  await startNewRelic(config, logger);
  // Loaded only now, so a bad setting is reported without first loading the AWS SDK.
  const { startProxy } = await import('./main.js');
  const proxy = await startProxy(config, { logger });
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

  // SIGHUP re-reads the settings (config file included) and the mapping file, and applies what changed in
  // place (see docs/reload.md); a broken edit is logged and the running settings stay.
  let reloading = Promise.resolve();
  process.on('SIGHUP', () => {
    reloading = reloading.then(async () => {
      const again = checkedSettings(loadConfig({ argv, env: process.env, readFile }));
      if (again === undefined) return;
      if ('errors' in again) return logger.error({ problems: again.errors }, `SIGHUP: settings invalid, keeping the running ones: ${again.errors.join('; ')}`);
      const next = effectiveConfig(again.loaded);
      if (settingsText(next) === settingsText(config)) {
        logger.info('SIGHUP: settings unchanged; reloading the mapping file');
        return proxy.reload();
      }
      const nextLogger = next.logLevel !== config.logLevel || next.logFormat !== config.logFormat ? createLogger({ level: next.logLevel, format: next.logFormat }) : logger;
      try {
        const change = await proxy.applySettings(next, nextLogger);
        logger = nextLogger;
        config = next;
        logger.info({ changed: change.changed }, `SIGHUP: settings applied (${change.changed.join(', ')}); tokens, cached credentials and unchanged listeners kept`);
        if (change.restartOnly.length > 0) logger.warn({ settings: change.restartOnly }, `SIGHUP: ${change.restartOnly.join(', ')} changed; they take effect at the next restart`);
      } catch (error) {
        return logger.error({ err: error }, `SIGHUP: the new settings do not start, keeping the running ones: ${(error as Error).message}`);
      }
      announce(logger, startupLine(config, proxy.sourceNames, { proxy: proxy.urls.join(', '), admin: proxy.adminAddress }));
    }).catch((error: unknown) => logger.error({ err: error }, 'SIGHUP: reload failed'));
  });
  // Only now: whoever waits for this line may signal the process at once.
  announce(logger, startupLine(config, proxy.sourceNames, { proxy: proxy.urls.join(', '), admin: proxy.adminAddress }));
  if (config.demo) {
    // As plain text for a person at a terminal; as one log line when a program reads the output.
    if (config.logFormat === 'text') process.stdout.write(demoInstructions(proxy.url) + '\n');
    else logger.info(demoInstructions(proxy.url));
  }
}

async function main(argv: readonly string[]): Promise<void> {
  switch (argv[0]) {
    case 'status':
      process.exitCode = await runStatusCommand(argv.slice(1), process.env, io);
      return;
    case 'iptables':
      process.exitCode = await runIptablesCommand(argv.slice(1), process.env, io, runProgram);
      return;
    case 'config':
      process.exitCode = await runConfigCommand(argv.slice(1), process.env, io);
      return;
    case 'healthcheck':
      process.exitCode = await runHealthcheckCommand(argv.slice(1), process.env, io);
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
