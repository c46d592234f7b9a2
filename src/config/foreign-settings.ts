// Settings of the proxies we replace that do nothing here. A drop-in user keeps their old environment, so
// each one that is set is named once at start-up: a warning where they would otherwise lose something
// without noticing (a Mesos lookup, TLS to a remote Docker engine), a note where it is merely unneeded.
// docs/deploy.md has the same list with the full reasons.
import { boolean } from './parsers.js';

export interface ForeignSettingNotice {
  level: 'warn' | 'info';
  message: string;
}

interface ForeignSetting {
  names: readonly string[];
  level: ForeignSettingNotice['level'];
  reason: string;
  /** Whether this value asks for something; by default any non-empty value does. */
  asks?: (value: string) => boolean;
}

/** A switch that is on, or that we cannot read as off. */
function isOn(value: string): boolean {
  const parsed = boolean.parse(value);
  return !parsed.ok || parsed.value;
}

const FOREIGN_SETTINGS: readonly ForeignSetting[] = [
  {
    names: ['MESOS_STATE_LOOKUP'],
    level: 'warn',
    reason: 'there is no Mesos identity source, so Mesos tasks get no role; have the scheduler write a ROLE_MAPPING_FILE',
    asks: isOn,
  },
  { names: ['MESOS_STATE_URL', 'MESOS_STATE_TIMEOUT'], level: 'info', reason: 'there is no Mesos identity source' },
  {
    names: ['DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH'],
    level: 'warn',
    reason: 'TLS client certificates for the Docker engine are not supported; run the proxy next to the engine and use its socket',
  },
  { names: ['COPY_REQUEST_HEADERS'], level: 'warn', reason: 'request headers are not copied into metrics (unbounded cardinality)' },
  { names: ['DATADOG_SERVICE_NAME'], level: 'warn', reason: 'there is no DataDog APM tracing; DogStatsD metrics carry service:metadataproxy' },
  { names: ['WORKERS'], level: 'info', reason: 'one event-driven process answers every request from one shared cache' },
  { names: ['DOCKER_VERSION'], level: 'info', reason: 'the Docker client negotiates the API version' },
  { names: ['PATCH_ECS_ALLOWED_HOSTS'], level: 'info', reason: "the SDK's credential chain accepts a loopback ECS endpoint as it is" },
];

/** One notice per foreign setting present in the environment. */
export function foreignSettingNotices(env: Readonly<Record<string, string | undefined>>): ForeignSettingNotice[] {
  const notices: ForeignSettingNotice[] = [];
  for (const setting of FOREIGN_SETTINGS) {
    for (const name of setting.names) {
      const value = env[name]?.trim();
      if (value === undefined || value === '' || (setting.asks !== undefined && !setting.asks(value))) continue;
      notices.push({ level: setting.level, message: `${name} is set but has no effect here: ${setting.reason}` });
    }
  }
  return notices;
}
