// Role spec → role ARN. Everything but a bare name without DEFAULT_ACCOUNT_ID resolves without I/O; those
// ask iam:GetRole once per name (concurrent lookups share the call, failures are remembered briefly).
import type { Clock } from '../core/clock.js';
import { isAccountId, parseRoleSpec, RoleSpecError, type RoleSpec } from '../config/role-spec.js';

export interface IamRole {
  arn: string;
  roleId: string;
}

/** iam:GetRole, for role specs that name a role without its account (credentials/iam-gateway.ts). */
export interface IamGateway {
  getRole(name: string): Promise<IamRole>;
}

export interface ResolvedRole {
  readonly arn: string;
  readonly name: string;
  /** IAM path: `/` or `/a/b/`. */
  readonly path: string;
  readonly accountId: string;
  readonly partition: string;
}

export interface RoleResolverOptions {
  defaultAccountId?: string;
  /** AWS_ACCOUNT_MAP: account alias → account id. */
  accountMap: Readonly<Record<string, string>>;
  /** AWS_REGION: picks the partition of ARNs built from a name and an account id. */
  region?: string;
  /** Absent (offline STS): bare names need DEFAULT_ACCOUNT_ID. */
  iam?: IamGateway;
  clock: Pick<Clock, 'now'>;
  /** How long a failed GetRole is answered from memory before IAM is asked again. */
  failureTtlMs?: number;
}

export const DEFAULT_FAILURE_TTL_MS = 10_000;

const PARTITION_BY_REGION_PREFIX: ReadonlyArray<readonly [string, string]> = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-isob-', 'aws-iso-b'],
  ['us-isof-', 'aws-iso-f'],
  ['eu-isoe-', 'aws-iso-e'],
  ['us-iso-', 'aws-iso'],
];

export function partitionOfRegion(region: string | undefined): string {
  const match = PARTITION_BY_REGION_PREFIX.find(([prefix]) => region?.startsWith(prefix));
  return match?.[1] ?? 'aws';
}

function fromArn(spec: Extract<RoleSpec, { kind: 'arn' }>): ResolvedRole {
  return { arn: spec.arn, name: spec.name, path: spec.path, accountId: spec.accountId, partition: spec.partition };
}

/** ec2metaproxy's `aliasToARN`: the alias names a role. Undefined when the alias is not mapped. */
export function resolveRoleAlias(alias: string, aliasToArn: Readonly<Record<string, string>>): ResolvedRole | undefined {
  return Object.hasOwn(aliasToArn, alias) ? roleOfArn(alias, aliasToArn[alias]!, 'aliasToARN maps it to') : undefined;
}

/** An ARN someone else handed us (configuration, IAM), checked to be a role ARN. */
function roleOfArn(spec: string, arn: string, source: string): ResolvedRole {
  let parsed: RoleSpec | undefined;
  try {
    parsed = parseRoleSpec(arn);
  } catch {
    // Reported below, naming where the ARN came from.
  }
  if (parsed?.kind !== 'arn') throw new RoleSpecError(spec, `${source} ${JSON.stringify(arn)}, not a role ARN`);
  return fromArn(parsed);
}

interface Failure {
  error: unknown;
  until: number;
}

export class RoleResolver {
  private readonly partition: string;
  /** Spec text → its role; what peek() answers from. */
  private readonly resolved = new Map<string, ResolvedRole>();
  /** Role name → GetRole in flight. */
  private readonly lookups = new Map<string, Promise<IamRole>>();
  /** Role name → last GetRole failure, answered until it lapses. */
  private readonly failures = new Map<string, Failure>();

  constructor(private readonly options: RoleResolverOptions) {
    this.partition = partitionOfRegion(options.region);
  }

  /** Hot path: the role when it is known without I/O, else undefined (resolve() then says why). */
  peek(spec: string): ResolvedRole | undefined {
    const known = this.resolved.get(spec);
    if (known !== undefined) return known;
    try {
      return this.resolveWithoutIo(spec);
    } catch {
      return undefined;
    }
  }

  /** The role when no I/O is needed; undefined when only GetRole can tell; throws RoleSpecError for a spec that cannot resolve. */
  resolveWithoutIo(spec: string): ResolvedRole | undefined {
    return this.remember(spec, this.resolveLocally(spec, parseRoleSpec(spec)));
  }

  async resolve(spec: string): Promise<ResolvedRole> {
    const known = this.resolved.get(spec);
    if (known !== undefined) return known;
    const parsed = parseRoleSpec(spec);
    const local = this.remember(spec, this.resolveLocally(spec, parsed));
    if (local !== undefined) return local;
    const found = roleOfArn(spec, (await this.getRole(parsed.name)).arn, 'IAM answered');
    // GetRole finds a name in any path; a spec that names a path must match the role's real one.
    if (parsed.path !== '/' && parsed.path !== found.path) {
      throw new RoleSpecError(spec, `role ${parsed.name} exists with path ${found.path}, not ${parsed.path}`);
    }
    return this.remember(spec, found)!;
  }

  private remember(spec: string, role: ResolvedRole | undefined): ResolvedRole | undefined {
    if (role !== undefined) this.resolved.set(spec, role);
    return role;
  }

  /** `text` is the spec as written, so an error quotes all of it (`web@prod`, not `prod`). */
  private resolveLocally(text: string, spec: RoleSpec): ResolvedRole | undefined {
    switch (spec.kind) {
      case 'arn':
        return fromArn(spec);
      case 'account':
        return this.build(spec, spec.accountId);
      case 'alias':
        return this.build(spec, this.accountOfAlias(text, spec.alias));
      case 'name':
        if (this.options.defaultAccountId !== undefined) return this.build(spec, this.options.defaultAccountId);
        if (this.options.iam === undefined) {
          throw new RoleSpecError(text, 'names no account, DEFAULT_ACCOUNT_ID is not set and IAM is not available to look it up');
        }
        return undefined;
    }
  }

  private build(spec: { path: string; name: string }, accountId: string): ResolvedRole {
    const arn = `arn:${this.partition}:iam::${accountId}:role${spec.path}${spec.name}`;
    return { arn, name: spec.name, path: spec.path, accountId, partition: this.partition };
  }

  private accountOfAlias(text: string, alias: string): string {
    const accountId = Object.hasOwn(this.options.accountMap, alias) ? this.options.accountMap[alias] : undefined;
    const named = `account alias ${JSON.stringify(alias)}`;
    if (accountId === undefined) throw new RoleSpecError(text, `unknown ${named}: AWS_ACCOUNT_MAP has no entry for it`);
    if (!isAccountId(accountId)) throw new RoleSpecError(text, `AWS_ACCOUNT_MAP maps ${named} to ${JSON.stringify(accountId)}, not a 12-digit account id`);
    return accountId;
  }

  private getRole(name: string): Promise<IamRole> {
    const failure = this.failures.get(name);
    if (failure !== undefined && this.options.clock.now() < failure.until) return Promise.reject(failure.error);
    let lookup = this.lookups.get(name);
    if (lookup === undefined) {
      lookup = this.options.iam!.getRole(name).then(
        (role) => {
          this.lookups.delete(name);
          this.failures.delete(name);
          return role;
        },
        (error: unknown) => {
          this.lookups.delete(name);
          this.failures.set(name, { error, until: this.options.clock.now() + (this.options.failureTtlMs ?? DEFAULT_FAILURE_TTL_MS) });
          throw error;
        },
      );
      this.lookups.set(name, lookup);
    }
    return lookup;
  }
}
