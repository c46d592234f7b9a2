// The one line printed at start-up: where the proxy listens, what it does with non-IAM routes, and who
// it asks about callers. Enough to tell from a log which configuration is running.
import type { Config } from '../config/types.js';
import { urlHost } from './address.js';
import { splitHostList } from '../config/parsers.js';

export interface ListeningOn {
  /** Bound proxy URL(s) (differs from the settings with port 0). */
  proxy?: string;
  /** Bound admin address. */
  admin?: string;
}

export function startupLine(config: Config, sources: readonly string[], listening: ListeningOn = {}): string {
  const proxy = listening.proxy ?? splitHostList(config.host).map((host) => `http://${urlHost(host)}:${config.port}`).join(', ');
  const mode = config.demo ? 'demo (mock metadata, offline STS)' : config.mockApi ? 'mock metadata' : `passthrough to ${config.metadataUrl}`;
  const sinks = [
    'prometheus',
    ...(config.statsdAddr ? [`statsd ${config.statsdAddr}`] : []),
    ...(config.datadogAddr ? [`datadog ${config.datadogAddr}`] : []),
    ...(config.statsiteAddr ? [`statsite ${config.statsiteAddr}`] : []),
  ];
  return (
    `metadataproxy listening on ${proxy}, admin http://${listening.admin ?? config.adminListen}; ` +
    `mode: ${mode}, STS ${config.stsMode}, IMDSv2 tokens ${config.httpTokens}, unknown callers ${config.unknownCaller}; ` +
    `identity: ${sources.length > 0 ? sources.join(', ') : 'none'}; metrics: ${sinks.join(', ')}`
  );
}
