// What the handler needs to know about a caller, behind one interface so the handler stays free of
// identity sources, role resolution and STS.
import type { Workload } from '../identity/workload.js';
import type { AwsCredentials } from '../imds/aws-credentials.js';

/** A caller's role, resolved to an ARN, with the cache key of its credentials. */
export interface CallerRole {
  /** Role name as it appears in `iam/security-credentials/` (last segment of the ARN). */
  readonly roleName: string;
  readonly roleArn: string;
  /** Pre-serialized `iam/security-credentials/` body: the role name. */
  readonly listingBody: Buffer;
  /** Pre-serialized `iam/info` body. */
  readonly infoBody: Buffer;
}

export interface ServedCredentials {
  /** Pre-serialized IMDS credentials body. */
  readonly body: Buffer;
  /** The same credentials, for answers in other shapes (container credentials). */
  readonly credentials: AwsCredentials;
}

export interface CallerDirectory {
  /** Hot path: the caller's workload if an identity source knows the address. */
  lookup(ip: string): Workload | undefined;
  /** Grows whenever lookup() may answer differently; undefined when answers also lapse with time. */
  generation(): number | undefined;
  /** Slow path after a miss: sources that may lag behind get a chance to catch up. */
  resolveMiss(ip: string): Promise<Workload | undefined>;
  /**
   * The role the workload gets (its own, else the default role), or undefined. Synchronous once resolved
   * for this workload, so warm requests stay off the promise path.
   */
  roleOf(workload: Workload | undefined): CallerRole | undefined | Promise<CallerRole | undefined>;
  credentialsOf(role: CallerRole): ServedCredentials | Promise<ServedCredentials>;
}
