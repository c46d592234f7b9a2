// NEWRELIC_APP_NAME + NEWRELIC_LICENSE: start the official New Relic agent (an optional dependency).
// It is configured through its own environment variables and connects in the background; a missing
// package, a failed load or an unreachable collector costs one warning, never the proxy.
import type { Config } from '../config/types.js';
import type { Logger } from './logger.js';

export type NewRelicSettings = Pick<Config, 'newrelicAppName' | 'newrelicLicense'>;
export type AgentLoader = () => Promise<unknown>;

// A computed specifier: the package may be absent, so TypeScript must not resolve it at build time.
const AGENT_PACKAGE = 'newrelic';
const loadAgent: AgentLoader = () => import(AGENT_PACKAGE);

/** Resolves to whether the agent was loaded. */
export async function startNewRelic(
  settings: NewRelicSettings,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  load: AgentLoader = loadAgent,
): Promise<boolean> {
  const { newrelicAppName: appName, newrelicLicense: license } = settings;
  if (!appName && !license) return false;
  if (!appName || !license) {
    logger.warn('New Relic not started: NEWRELIC_APP_NAME and NEWRELIC_LICENSE must both be set');
    return false;
  }
  env.NEW_RELIC_APP_NAME = appName;
  env.NEW_RELIC_LICENSE_KEY = license;
  env.NEW_RELIC_NO_CONFIG_FILE ??= 'true';
  // By default the agent writes newrelic_agent.log into the working directory.
  env.NEW_RELIC_LOG ??= 'stderr';
  env.NEW_RELIC_LOG_LEVEL ??= 'warn';
  try {
    await load();
    logger.info({ appName }, 'New Relic agent started');
    return true;
  } catch (error) {
    logger.warn({ err: error }, 'New Relic agent not started; continuing without it');
    return false;
  }
}
