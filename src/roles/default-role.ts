// The role of callers without one of their own: DEFAULT_ROLE, or ec2metaproxy's defaultAlias. Checked at
// start-up like any role spec, so a bad one stops the proxy with one line instead of answering 404 later.
import type { Config } from '../config/types.js';
import type { ConfigSources } from '../config/load.js';
import { RoleResolver, resolveRoleAlias } from './resolver.js';
import { parseRoleSpec, RoleSpecError } from '../config/role-spec.js';

/** One line per default that cannot resolve, naming the setting and quoting the whole spec. */
export function defaultRoleProblems(config: Config, sources: ConfigSources = {}): string[] {
  const problems: string[] = [];
  const check = (label: string, resolve: () => unknown) => {
    try {
      resolve();
    } catch (error) {
      if (!(error instanceof RoleSpecError)) throw error;
      problems.push(`${label}: ${error.message}`);
    }
  };
  if (config.defaultRole !== undefined) {
    const spec = config.defaultRole;
    check(sources.defaultRole ?? 'DEFAULT_ROLE', () => {
      // With real STS a bare name is looked up with iam:GetRole when first needed; nothing to check offline.
      if (parseRoleSpec(spec).kind === 'name' && config.stsMode === 'aws' && config.defaultAccountId === undefined) return;
      new RoleResolver({ defaultAccountId: config.defaultAccountId, accountMap: config.accountMap, region: config.awsRegion, clock: Date }).resolveWithoutIo(spec);
    });
  }
  if (config.defaultAlias !== undefined) {
    check(sources.defaultAlias ?? 'defaultAlias', () => resolveRoleAlias(config.defaultAlias!, config.aliasToArn));
  }
  return problems;
}
