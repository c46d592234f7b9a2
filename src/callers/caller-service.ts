// The caller pipeline: address → workload (identity sources, remembered per connection) → role binding
// (own or default) → resolved role → AssumeRole request → cached credentials. Each workload's resolution
// is memoized, so a warm request is two map reads, or none on a connection that asked before.
import type { Socket } from 'node:net';
import { RecentSet } from '../core/recent-set.js';
import type { RoleBinding, Workload } from '../identity/workload.js';
import { iamInfoBody } from '../imds/answers.js';
import { buildAssumeRoleRequest, type AssumeRoleRequest, type AssumeRoleSettings } from '../roles/assume-request.js';
import type { Callers, CallerRole, ServedCredentials } from './caller.js';
import { rememberCaller, rememberedCaller, rememberedWorkload } from './connection-memo.js';

export interface ResolvedRoleLike {
  arn: string;
  name: string;
}

export interface RoleResolving {
  /** Synchronous when the role is already resolved. */
  peek(spec: string): ResolvedRoleLike | undefined;
  resolve(spec: string): Promise<ResolvedRoleLike>;
}

export interface CredentialSource {
  keyOf(request: AssumeRoleRequest): string;
  /** Warm credentials of a key, else undefined (nothing fetched). */
  getByKey(key: string): ServedCredentials | undefined;
  get(request: AssumeRoleRequest): ServedCredentials | Promise<ServedCredentials>;
  /** Keep the request's credentials fresh in the background until released. */
  retain(request: AssumeRoleRequest): void;
  release(request: AssumeRoleRequest): void;
}

export interface WorkloadDirectory {
  /** Hot path: a map read, and where a source can tell cheaply (no engine call), not a workload that is gone. */
  lookupChecked(ip: string): Workload | undefined;
  /** Grows whenever lookupChecked() may answer differently; undefined when answers also lapse with time. */
  generation(): number | undefined;
  resolveMiss(ip: string): Promise<Workload | undefined>;
}

export interface CallerServiceOptions {
  identity: WorkloadDirectory;
  resolver: RoleResolving;
  credentials: CredentialSource;
  /** What turns a workload's resolved role into its AssumeRole request (roles/assume-request.ts). */
  assumeRole: AssumeRoleSettings;
  /** Binding for workloads without a role of their own, and for unknown callers (DEFAULT_ROLE). */
  defaultBinding?: RoleBinding;
  now: () => Date;
}

/** How many callers served by the default role /status remembers; the least recent drop out first. */
const DEFAULT_CALLERS_LIMIT = 1024;

/** Stands in for "unknown caller" as a memo key. */
const UNKNOWN: Workload = Object.freeze({ id: 'unknown', name: 'unknown', source: 'mapping' });

export class CallerService implements Callers {
  /** null: no role; an Error: the workload's request was refused before any call (it stays refused). */
  private readonly roles = new WeakMap<Workload, CallerRole | null | Error>();
  private readonly pending = new WeakMap<Workload, Promise<CallerRole | undefined>>();
  /** Role spec → why it last failed to resolve, for /status; forgotten when it resolves. */
  private readonly specErrors = new Map<string, string>();
  /** Addresses no source knows that asked and fell back to the default role, least recent first, for /status. */
  private readonly defaultCallers = new RecentSet<string>(DEFAULT_CALLERS_LIMIT);

  constructor(private readonly options: CallerServiceOptions) {}

  identify(ip: string, socket?: Socket): Workload | undefined {
    const { identity } = this.options;
    if (socket === undefined) return identity.lookupChecked(ip);
    const generation = identity.generation();
    const remembered = rememberedCaller(socket, generation);
    // A keep-alive connection cannot change hands: only its first lookup (or one after the index moved) is checked.
    if (remembered !== undefined) return remembered.workload;
    const workload = identity.lookupChecked(ip);
    if (workload !== undefined) rememberCaller(socket, generation, workload);
    return workload;
  }

  identifyAfterMiss(ip: string): Promise<Workload | undefined> {
    const found = this.options.identity.resolveMiss(ip);
    if (this.options.defaultBinding === undefined) return found;
    return found.then((workload) => {
      if (workload === undefined) this.defaultCallers.add(ip);
      return workload;
    });
  }

  roleFor(workload: Workload | undefined, socket?: Socket): CallerRole | undefined | Promise<CallerRole | undefined> {
    const remembered = socket === undefined ? undefined : rememberedWorkload(socket, workload);
    if (remembered?.role !== undefined) return remembered.role;
    const role = this.memoizedRole(workload);
    if (remembered !== undefined && role !== undefined && !(role instanceof Promise)) remembered.role = role;
    return role;
  }

  credentialsFor(role: CallerRole): ServedCredentials | Promise<ServedCredentials> {
    return this.options.credentials.getByKey(role.key) ?? this.options.credentials.get(role.request);
  }

  /** The workload's role (undefined: an unknown caller's) if already resolved; never starts a resolution (for /status). */
  peekRole(workload: Workload | undefined): CallerRole | undefined {
    const known = this.roles.get(workload ?? UNKNOWN);
    return known instanceof Error ? undefined : (known ?? undefined);
  }

  /** Why the workload's request was refused before any call, if it was (for /status). */
  refusalOf(workload: Workload): string | undefined {
    const known = this.roles.get(workload);
    return known instanceof Error ? known.message : undefined;
  }

  /** The role spec a workload (undefined: an unknown caller) is served by, and why it last failed to resolve. */
  bindingOf(workload: Workload | undefined): { spec: string; isDefault: boolean; lastError?: string } | undefined {
    const binding = workload?.role ?? this.options.defaultBinding;
    if (binding === undefined) return undefined;
    const lastError = this.specErrors.get(binding.spec);
    return { spec: binding.spec, isDefault: workload?.role === undefined, ...(lastError !== undefined && { lastError }) };
  }

  /** Addresses no identity source knows that were served by the default role, oldest first. */
  defaultRoleCallers(): string[] {
    return this.defaultCallers.list();
  }

  private memoizedRole(workload: Workload | undefined): CallerRole | undefined | Promise<CallerRole | undefined> {
    const key = workload ?? UNKNOWN;
    const known = this.roles.get(key);
    // A refusal is a rejected promise, not a throw: callers on every path already handle rejections.
    if (known instanceof Error) return Promise.reject(known);
    if (known !== undefined) return known ?? undefined;
    const binding = workload?.role ?? this.options.defaultBinding;
    if (binding === undefined) {
      this.roles.set(key, null);
      return undefined;
    }
    const resolved = this.options.resolver.peek(binding.spec);
    if (resolved !== undefined) {
      try {
        return this.remember(key, workload, binding, resolved);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    let waiting = this.pending.get(key);
    if (waiting === undefined) {
      waiting = this.options.resolver.resolve(binding.spec).then(
        (role) => this.remember(key, workload, binding, role),
        (error: unknown) => {
          this.pending.delete(key);
          this.specErrors.set(binding.spec, (error as Error).message);
          throw error;
        },
      );
      this.pending.set(key, waiting);
    }
    return waiting;
  }

  private remember(key: Workload, workload: Workload | undefined, binding: RoleBinding, role: ResolvedRoleLike): CallerRole {
    let request: AssumeRoleRequest;
    try {
      request = buildAssumeRoleRequest(workload, binding, role, this.options.assumeRole);
    } catch (error) {
      // A workload never changes in place, so neither does the verdict on its request.
      this.roles.set(key, error as Error);
      this.pending.delete(key);
      throw error;
    }
    const prepared: CallerRole = {
      roleName: role.name,
      roleArn: role.arn,
      listingBody: Buffer.from(role.name),
      infoBody: iamInfoBody(role.arn, this.options.now()),
      request,
      key: this.options.credentials.keyOf(request),
    };
    this.roles.set(key, prepared);
    this.pending.delete(key);
    this.specErrors.delete(binding.spec);
    return prepared;
  }
}
