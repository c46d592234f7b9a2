// Glue between identity and credentials: workload → role binding (own or default) → resolved role →
// AssumeRole request → cached credentials. Each workload's resolution is memoized, so a warm request
// is two map reads.
import type { RoleBinding, Workload, WorkloadEvent } from '../identity/workload.js';
import type { CallerDirectory, CallerRole, ServedCredentials } from './caller.js';
import type { Logger } from '../observability/logger.js';
import { iamInfoBody } from '../imds/answers.js';
import type { AssumeRoleRequest } from '../roles/assume-request.js';

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

export type RequestBuilder = (workload: Workload | undefined, binding: RoleBinding, role: ResolvedRoleLike) => AssumeRoleRequest;

interface PreparedRole extends CallerRole {
  readonly request: AssumeRoleRequest;
  /** The request's cache key, kept here so a warm request needs no key lookup. */
  readonly key: string;
}

export interface CallerServiceOptions {
  identity: Pick<CallerDirectory, 'lookup' | 'generation' | 'resolveMiss'>;
  resolver: RoleResolving;
  credentials: CredentialSource;
  buildRequest: RequestBuilder;
  /** Binding for workloads without a role of their own, and for unknown callers (DEFAULT_ROLE). */
  defaultBinding?: RoleBinding;
  now: () => Date;
  logger: Logger;
}

/** How many callers served by the default role /status remembers; the least recent drop out first. */
const DEFAULT_CALLERS_LIMIT = 1024;

/** Stands in for "unknown caller" as a memo key. */
const UNKNOWN: Workload = Object.freeze({ id: 'unknown', name: 'unknown', source: 'mapping' });

export class CallerService implements CallerDirectory {
  /** null: no role; an Error: the workload's request was refused before any call (it stays refused). */
  private readonly roles = new WeakMap<Workload, PreparedRole | null | Error>();
  private readonly pending = new WeakMap<Workload, Promise<PreparedRole | undefined>>();
  /** Workload id → the request retained for it, released when the workload goes away. */
  private readonly retained = new Map<string, AssumeRoleRequest>();
  /** Workload id → its latest version, for prefetch results that arrive after the workload changed. */
  private readonly live = new Map<string, Workload>();
  /** Role spec → why it last failed to resolve, for /status; forgotten when it resolves. */
  private readonly specErrors = new Map<string, string>();
  /** Addresses no source knows that asked and fell back to the default role, least recent first, for /status. */
  private readonly defaultCallers = new Set<string>();

  constructor(private readonly options: CallerServiceOptions) {}

  lookup(ip: string): Workload | undefined {
    return this.options.identity.lookup(ip);
  }

  generation(): number | undefined {
    return this.options.identity.generation();
  }

  resolveMiss(ip: string): Promise<Workload | undefined> {
    const found = this.options.identity.resolveMiss(ip);
    if (this.options.defaultBinding === undefined) return found;
    return found.then((workload) => {
      if (workload === undefined) this.noteDefaultCaller(ip);
      return workload;
    });
  }

  roleOf(workload: Workload | undefined): PreparedRole | undefined | Promise<PreparedRole | undefined> {
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

  /** The workload's role (undefined: an unknown caller's) if already resolved; never starts a resolution (for /status). */
  peekRole(workload: Workload | undefined): PreparedRole | undefined {
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
    return [...this.defaultCallers];
  }

  private noteDefaultCaller(ip: string): void {
    this.defaultCallers.delete(ip);
    this.defaultCallers.add(ip);
    if (this.defaultCallers.size > DEFAULT_CALLERS_LIMIT) this.defaultCallers.delete(this.defaultCallers.values().next().value!);
  }

  credentialsOf(role: CallerRole): ServedCredentials | Promise<ServedCredentials> {
    const { key, request } = role as PreparedRole;
    return this.options.credentials.getByKey(key) ?? this.options.credentials.get(request);
  }

  /** Prefetch: a workload that appears gets its credentials fetched before its first request. */
  onWorkloadEvent(event: WorkloadEvent): void {
    const { workload } = event;
    if (event.type === 'removed') {
      this.live.delete(workload.id);
      return this.releaseFor(workload.id);
    }
    this.live.set(workload.id, workload);
    Promise.resolve(this.roleOf(workload)).then(
      (role) => {
        // Gone, or replaced by a newer version of itself, while its role was being resolved.
        if (this.live.get(workload.id) !== workload) return;
        // Retain the new request before releasing the old one: an unchanged role keeps its refresh going.
        if (role !== undefined) this.options.credentials.retain(role.request);
        this.releaseFor(workload.id);
        if (role !== undefined) this.retained.set(workload.id, role.request);
      },
      (error: unknown) => {
        const reason = (error as Error).message;
        if ((error as { code?: unknown }).code === 'InvalidSessionParameters') {
          this.options.logger.error({ workload: workload.name, reason }, 'session parameters break STS rules; this caller gets 404 until they are fixed');
        } else this.options.logger.warn({ workload: workload.name, reason }, 'cannot prefetch credentials');
      },
    );
  }

  /** A settings reload replaced this service: its holds end (the cache keeps entries that are still wanted). */
  releaseAll(): void {
    this.live.clear();
    for (const workloadId of [...this.retained.keys()]) this.releaseFor(workloadId);
  }

  private releaseFor(workloadId: string): void {
    const request = this.retained.get(workloadId);
    if (request === undefined) return;
    this.retained.delete(workloadId);
    this.options.credentials.release(request);
  }

  private remember(key: Workload, workload: Workload | undefined, binding: RoleBinding, role: ResolvedRoleLike): PreparedRole {
    let request: AssumeRoleRequest;
    try {
      request = this.options.buildRequest(workload, binding, role);
    } catch (error) {
      // A workload never changes in place, so neither does the verdict on its request.
      this.roles.set(key, error as Error);
      this.pending.delete(key);
      throw error;
    }
    const prepared: PreparedRole = {
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
