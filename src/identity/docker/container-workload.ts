// What a container tells us about itself: its addresses, and the role its owner asked for in env vars
// or labels. Pure functions over the engine's JSON, so every precedence rule is tested without Docker.
//
// Precedence (first present wins; empty values count as absent):
//   role:        env IAM_ROLE (any role spec) > label ec2metaproxy.RoleAlias (through aliasToArn)
//   policy:      env IAM_POLICY > label ec2metaproxy.Policy
//   external id: env IAM_EXTERNAL_ID
//   session tags: env IAM_SESSION_TAGS (k=v,k2=v2) > labels metadataproxy.session-tag.KEY=VALUE, per key
//   duration:    env IAM_ROLE_DURATION (seconds or a Go duration)
// A container that brings a policy, external id, session tags or duration but no role gets them on the
// default role, so what it asked for is not dropped. Session values that break STS's rules make the
// binding refused (404, with the reason logged), never silently dropped. Host-network containers share the host's address and are
// never indexed by address.
import { normalizeIp } from '../../core/ip-address.js';
import { compactPolicy, PolicyError } from '../../config/policy.js';
import { InvalidValueError } from '../../core/errors.js';
import { parseRoleSessionKey } from '../../config/role-session-key.js';
import type { RoleBinding, Workload } from '../workload.js';
import type { ContainerAddress } from './container-index.js';
import { nonEmptySession, parseDurationSeconds, parseTagList, sessionParameterProblems, type SessionParameters } from '../../config/session-parameters.js';

export const ROLE_ALIAS_LABEL = 'ec2metaproxy.RoleAlias';
export const POLICY_LABEL = 'ec2metaproxy.Policy';
/** Set by Docker on every swarm task container; ROLE_SESSION_KEY=Labels:com.docker.swarm.service.name reads it too. */
export const SWARM_SERVICE_LABEL = 'com.docker.swarm.service.name';
export const SESSION_TAG_LABEL_PREFIX = 'metadataproxy.session-tag.';
/** Container-credentials requests from this container must carry its value (as ECS and EKS send it). */
export const AUTHORIZATION_TOKEN_ENV = 'AWS_CONTAINER_AUTHORIZATION_TOKEN';

/** The parts of the engine's container JSON we read (list and inspect answers; any part may be missing). */
export interface EndpointJson {
  NetworkID?: string;
  IPAddress?: string;
  GlobalIPv6Address?: string;
}

export interface NetworkSettingsJson extends EndpointJson {
  Networks?: Record<string, EndpointJson | null> | null;
}

export interface ContainerJson {
  Id: string;
  Name?: string;
  /** Status: `created` before the first start, then `running`, `exited`, ... */
  /** Pid: the container's main process on the engine's host, while it runs. */
  State?: { Running?: boolean; Status?: string; Pid?: number } | null;
  Config?: {
    Image?: string;
    Hostname?: string;
    Domainname?: string;
    Env?: string[] | null;
    Labels?: Record<string, string> | null;
  } | null;
  HostConfig?: { NetworkMode?: string } | null;
  NetworkSettings?: NetworkSettingsJson | null;
}

export interface WorkloadRules {
  /** ec2metaproxy `aliasToARN`. */
  aliasToArn: Readonly<Record<string, string>>;
  /** Role spec for a container that brings a policy or external id but no role. */
  defaultRole?: string;
  /** Env vars copied onto the workload (session key, metric labels); the rest may be secrets. */
  keepEnv: ReadonlySet<string>;
}

export interface ContainerWorkload {
  workload: Workload;
  /** Why part of the container's request was not honoured (never includes values). */
  warnings: string[];
}

export function isHostNetwork(container: Pick<ContainerJson, 'HostConfig'>): boolean {
  return container.HostConfig?.NetworkMode === 'host';
}

/** Every IPv4 and IPv6 address of every network, plus the legacy top-level default-bridge fields. */
export function containerAddresses(settings: NetworkSettingsJson | null | undefined): ContainerAddress[] {
  const found = new Map<string, string>();
  const add = (text: string | undefined, network: string): void => {
    const address = text ? normalizeIp(text) : undefined;
    if (address !== undefined && !found.has(address)) found.set(address, network);
  };
  for (const endpoint of Object.values(settings?.Networks ?? {})) {
    if (endpoint === null) continue;
    add(endpoint.IPAddress, endpoint.NetworkID ?? '');
    add(endpoint.GlobalIPv6Address, endpoint.NetworkID ?? '');
  }
  add(settings?.IPAddress, settings?.NetworkID ?? '');
  add(settings?.GlobalIPv6Address, settings?.NetworkID ?? '');
  return [...found].map(([address, network]) => ({ address, network }));
}

/** `KEY=VALUE` entries; an entry without `=` (Docker passes it through unset) is skipped. */
export function parseEnv(entries: readonly string[] | null | undefined): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of entries ?? []) {
    const split = entry.indexOf('=');
    if (split > 0) env.set(entry.slice(0, split), entry.slice(split + 1));
  }
  return env;
}

export function containerWorkload(container: ContainerJson, rules: WorkloadRules): ContainerWorkload {
  const env = parseEnv(container.Config?.Env);
  const labels = container.Config?.Labels ?? {};
  const warnings: string[] = [];

  let spec = present(env.get('IAM_ROLE'));
  const alias = present(labels[ROLE_ALIAS_LABEL]);
  if (spec === undefined && alias !== undefined) {
    spec = Object.hasOwn(rules.aliasToArn, alias) ? rules.aliasToArn[alias] : undefined;
    if (spec === undefined) warnings.push(`label ${ROLE_ALIAS_LABEL} names an alias missing from aliasToARN`);
  }
  const externalId = present(env.get('IAM_EXTERNAL_ID'));
  const policyText = present(env.get('IAM_POLICY')) ?? present(labels[POLICY_LABEL]);
  const session = containerSession(env, labels);
  if (spec === undefined && (externalId !== undefined || policyText !== undefined || session.asked)) spec = rules.defaultRole;

  let role: RoleBinding | undefined;
  if (spec !== undefined) {
    role = { spec };
    if (externalId !== undefined) role.externalId = externalId;
    if (policyText !== undefined) {
      try {
        role.policy = compactPolicy(policyText);
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error;
        // Passed on as written: STS then refuses it, which fails closed instead of granting the role unrestricted.
        warnings.push(`session ${error.message}; STS will refuse it`);
        role.policy = policyText;
      }
    }
    if (session.parameters !== undefined) role.session = session.parameters;
    if (session.problems.length > 0) role.refusal = session.problems.join('; ');
  }
  // Said even when there is no role to refuse, so a bad value is never dropped without a word.
  if (session.problems.length > 0) warnings.push(`${session.problems.join('; ')}; it gets no credentials until this is fixed`);

  const workload: Workload = {
    id: container.Id,
    name: (container.Name ?? container.Id).replace(/^\//, ''),
    source: 'docker',
    labels,
    // The authorization token is a secret even when COPY_DOCKER_ENV names it: metric labels are not.
    env: Object.fromEntries([...env].filter(([key]) => rules.keepEnv.has(key) && key !== AUTHORIZATION_TOKEN_ENV)),
  };
  const hostname = fullHostname(container);
  if (hostname !== undefined) workload.hostname = hostname;
  const service = present(labels[SWARM_SERVICE_LABEL]);
  if (service !== undefined) workload.service = service;
  const image = present(container.Config?.Image);
  if (image !== undefined) workload.image = image;
  // Read here and kept apart from `env`, which metrics may copy: the token is a secret.
  const token = env.get(AUTHORIZATION_TOKEN_ENV);
  if (token !== undefined && token !== '') workload.authorizationToken = token;
  if (role !== undefined) workload.role = role;
  return { workload, warnings };
}

/** Session tags (labels, then IAM_SESSION_TAGS over them per key) and IAM_ROLE_DURATION, checked against STS's rules. */
function containerSession(env: ReadonlyMap<string, string>, labels: Readonly<Record<string, string>>) {
  const problems: string[] = [];
  const tags: Record<string, string> = {};
  let tagged = false;
  for (const [label, value] of Object.entries(labels)) {
    if (!label.startsWith(SESSION_TAG_LABEL_PREFIX)) continue;
    tags[label.slice(SESSION_TAG_LABEL_PREFIX.length)] = value;
    tagged = true;
  }
  const tagText = present(env.get('IAM_SESSION_TAGS'));
  if (tagText !== undefined) {
    try {
      Object.assign(tags, parseTagList(tagText));
    } catch (error) {
      if (!(error instanceof InvalidValueError)) throw error;
      problems.push(`IAM_SESSION_TAGS: ${error.message}`);
    }
    tagged = true;
  }
  const session: SessionParameters = {};
  if (tagged) session.tags = tags;
  const durationText = present(env.get('IAM_ROLE_DURATION'));
  if (durationText !== undefined) {
    try {
      session.durationSeconds = parseDurationSeconds(durationText);
    } catch (error) {
      if (!(error instanceof InvalidValueError)) throw error;
      problems.push(`IAM_ROLE_DURATION: ${error.message}`);
    }
  }
  problems.push(...sessionParameterProblems(session));
  return { parameters: nonEmptySession(session), problems, asked: tagged || durationText !== undefined };
}

/** Env var names the rest of the proxy reads: ROLE_SESSION_KEY's (`Env:NAME` or a bare name) and the copied ones. */
export function envToKeep(roleSessionKey: string | undefined, copyEnv: readonly string[] = []): Set<string> {
  const keep = new Set(copyEnv);
  // Parsed as the session name is read, so every spelling the setting accepts (`env:`, `LABELS:`) agrees.
  const key = roleSessionKey === undefined ? undefined : parseRoleSessionKey(roleSessionKey);
  if (key !== undefined && key.from !== 'labels') keep.add(key.name);
  return keep;
}

/** `hostname.domainname` when a domain is set: the name reverse DNS would report. */
function fullHostname(container: ContainerJson): string | undefined {
  const host = present(container.Config?.Hostname);
  const domain = present(container.Config?.Domainname);
  return host !== undefined && domain !== undefined ? `${host}.${domain}` : host;
}

function present(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
