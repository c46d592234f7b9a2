// A workload's role binding, resolved, becomes the AssumeRole request its credentials come from.
//
// Precedence of the session parameters (first present wins):
//   session name:    binding (mapping file session_name) > ROLE_SESSION_KEY > the default name
//   session tags:    per key, the workload's own (mapping file session_tags; container env IAM_SESSION_TAGS
//                    > labels metadataproxy.session-tag.KEY) > DEFAULT_SESSION_TAGS
//   transitive keys: mapping file transitive_tag_keys
//   SourceIdentity:  mapping file source_identity > SOURCE_IDENTITY_KEY
//   duration:        mapping file session_duration or container env IAM_ROLE_DURATION > ROLE_SESSION_DURATION
// The result is checked against STS's rules before it is used: a workload whose values break them gets a
// SessionParameterError (404) naming the reason, and no STS call is made for it.
import type { Config } from '../config/types.js';
import type { RoleBinding, Workload } from '../identity/workload.js';
import { MAX_CHAINED_DURATION_SECONDS, MAX_DURATION_SECONDS, sessionParameterProblems } from '../config/session-parameters.js';
import type { ResolvedRole } from './resolver.js';
import { sessionNameFor } from './session-name.js';
import { parseRoleSessionKey, type SessionKeySource } from '../config/role-session-key.js';
import { parseSourceIdentityKey, sourceIdentityOf, type SourceIdentityKey } from './source-identity.js';
import { defaultSessionTags } from '../config/default-session-tags.js';
import { SessionParameterError } from './session-parameter-error.js';

/** Everything that changes the credentials STS hands out: the credential cache key is made of it. */
export interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  externalId?: string;
  policy?: string;
  durationSeconds: number;
  /** Session tags, sorted by key (one order keeps equal requests equal in the cache key). */
  tags?: ReadonlyArray<{ readonly key: string; readonly value: string }>;
  /** Tag keys that pass on to roles assumed with these credentials; sorted. */
  transitiveTagKeys?: readonly string[];
  sourceIdentity?: string;
}

export interface AssumeRoleSettings {
  /** Session policy for bindings without one of their own. */
  defaultPolicy?: string;
  roleDurationSeconds: number;
  /** Parsed ROLE_SESSION_KEY (parseRoleSessionKey). */
  roleSessionKey?: SessionKeySource;
  /** Session name when nothing else gives one; DEFAULT_SESSION_NAME if left out. */
  defaultSessionName?: string;
  /** DEFAULT_SESSION_TAGS, placeholders unfilled. */
  defaultSessionTags?: Readonly<Record<string, string>>;
  /** Parsed SOURCE_IDENTITY_KEY (parseSourceIdentityKey). */
  sourceIdentityKey?: SourceIdentityKey;
  /** The proxy's own credentials are a role session: STS allows at most an hour. */
  roleChaining?: boolean;
}

/** The settings' part in every AssumeRole request, parsed once per settings. */
export function assumeRoleSettings(config: Config): AssumeRoleSettings {
  return {
    defaultPolicy: config.defaultPolicy,
    roleDurationSeconds: config.roleDurationSeconds,
    roleSessionKey: config.roleSessionKey === undefined ? undefined : parseRoleSessionKey(config.roleSessionKey),
    defaultSessionTags: config.defaultSessionTags,
    sourceIdentityKey: config.sourceIdentityKey === undefined ? undefined : parseSourceIdentityKey(config.sourceIdentityKey),
    roleChaining: config.roleChaining,
  };
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text;
}

/** Throws SessionParameterError when the workload's session values break STS's rules. */
export function buildAssumeRoleRequest(
  workload: Workload | undefined,
  binding: RoleBinding,
  role: Pick<ResolvedRole, 'arn'>,
  settings: AssumeRoleSettings,
): AssumeRoleRequest {
  const who = workload?.name ?? 'unknown caller';
  if (binding.refusal !== undefined) throw new SessionParameterError(who, binding.refusal);
  const own = binding.session ?? {};
  const tagMap = { ...defaultSessionTags(settings.defaultSessionTags ?? {}, workload), ...own.tags };
  const sourceIdentity = own.sourceIdentity ?? (settings.sourceIdentityKey === undefined ? undefined : sourceIdentityOf(workload, settings.sourceIdentityKey));
  const session = {
    tags: tagMap,
    transitiveTagKeys: own.transitiveTagKeys,
    sourceIdentity,
    durationSeconds: own.durationSeconds ?? settings.roleDurationSeconds,
  };
  const problems = sessionParameterProblems(session, settings.roleChaining === true ? MAX_CHAINED_DURATION_SECONDS : MAX_DURATION_SECONDS);
  if (problems.length > 0) throw new SessionParameterError(who, problems.join('; '));

  const externalId = nonEmpty(binding.externalId);
  const policy = nonEmpty(binding.policy) ?? nonEmpty(settings.defaultPolicy);
  const tags = Object.keys(tagMap)
    .sort()
    .map((key) => ({ key, value: tagMap[key]! }));
  return {
    roleArn: role.arn,
    sessionName: sessionNameFor(workload, binding, settings.roleSessionKey, settings.defaultSessionName),
    durationSeconds: session.durationSeconds,
    ...(externalId !== undefined && { externalId }),
    ...(policy !== undefined && { policy }),
    ...(tags.length > 0 && { tags }),
    ...(own.transitiveTagKeys !== undefined && own.transitiveTagKeys.length > 0 && { transitiveTagKeys: [...own.transitiveTagKeys].sort() }),
    ...(sourceIdentity !== undefined && { sourceIdentity }),
  };
}
