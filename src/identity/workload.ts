// A workload is whatever stands behind a caller address: a container, a mapping-file entry, a host
// name found by reverse DNS. Identity sources map addresses to workloads; nothing else does.
import type { SessionParameters } from '../config/session-parameters.js';

/** The role a workload asks for, as written by its owner (not yet resolved to an ARN). */
export interface RoleBinding {
  /** Role spec: `name`, `path/name`, `name@123456789012`, `name@alias`, or a full role ARN. */
  spec: string;
  externalId?: string;
  /** Explicit STS session name; otherwise derived from ROLE_SESSION_KEY or the workload. */
  sessionName?: string;
  /** Inline session policy (JSON text). */
  policy?: string;
  /** Session tags, transitive tag keys, SourceIdentity and duration the workload itself asks for. */
  session?: SessionParameters;
  /** Why this binding cannot be served as asked (a session value STS would refuse): the caller gets 404. */
  refusal?: string;
}

export interface Workload {
  /** Stable id: container id, or `mapping:<ip>` and the like. */
  id: string;
  /** Human-readable name: container name, mapping key, host name. */
  name: string;
  source: 'docker' | 'mapping' | 'reverse-dns' | 'demo';
  /** Undefined when the workload carries no role (the default role may still apply). */
  role?: RoleBinding;
  hostname?: string;
  /** Docker Swarm service of a task container (its com.docker.swarm.service.name label). */
  service?: string;
  /** Image the container was started from, as written in `docker run` (SOURCE_IDENTITY_KEY=Image, tag placeholders). */
  image?: string;
  /**
   * Container-credentials requests must carry this exact Authorization value (the container's
   * AWS_CONTAINER_AUTHORIZATION_TOKEN, or the mapping file's authorization_token). A secret: never shown.
   */
  authorizationToken?: string;
  labels?: Readonly<Record<string, string>>;
  env?: Readonly<Record<string, string>>;
}

export type WorkloadEvent = { type: 'added' | 'removed'; workload: Workload };

export interface IdentitySource {
  readonly name: string;
  /** Hot path: a map read, never I/O. */
  lookup(ip: string): Workload | undefined;
  /**
   * lookup() for the first request of a connection. A new workload on a reused address always arrives on
   * a new connection, maybe before the source has heard that the old one went: a source that can tell
   * cheaply (never an engine call) answers undefined for a workload that is gone.
   */
  lookupChecked?(ip: string): Workload | undefined;
  /**
   * Grows whenever lookup() may answer differently for some address, so an answer stamped with it can be
   * reused until it moves. Left undefined by a source whose answers also lapse with time (reverse DNS).
   */
  readonly generation?: number;
  /**
   * Slow path after a miss, for sources that may be behind (a container's first request can race its
   * start event). Resolves to the workload once known, or undefined when it gives up.
   */
  resolveMiss?(ip: string): Promise<Workload | undefined>;
  /** Every indexed address and its workload (for /status and prefetch). */
  entries(): Iterable<[string, Workload]>;
  /** Synced at least once and currently following changes. */
  isReady(): boolean;
  /** Listen for workloads appearing and disappearing. */
  onChange(listener: (event: WorkloadEvent) => void): void;
  start(): Promise<void>;
  close(): Promise<void>;
}
