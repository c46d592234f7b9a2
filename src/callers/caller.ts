// What the request handlers need to know about a caller, as one pipeline: address → workload → role →
// credentials. Each step is asked once per request and only calls down (identity, roles, credentials).
import type { Socket } from 'node:net';
import type { Workload } from '../identity/workload.js';
import type { AwsCredentials } from '../imds/aws-credentials.js';
import type { AssumeRoleRequest } from '../roles/assume-request.js';

/** A caller's role, resolved to an ARN, with the AssumeRole request and cache key of its credentials. */
export interface CallerRole {
  /** Role name as it appears in `iam/security-credentials/` (last segment of the ARN). */
  readonly roleName: string;
  readonly roleArn: string;
  /** Pre-serialized `iam/security-credentials/` body: the role name. */
  readonly listingBody: Buffer;
  /** Pre-serialized `iam/info` body. */
  readonly infoBody: Buffer;
  readonly request: AssumeRoleRequest;
  /** The request's cache key, kept here so a warm request needs no key lookup. */
  readonly key: string;
}

export interface ServedCredentials {
  /** Pre-serialized IMDS credentials body. */
  readonly body: Buffer;
  /** The same credentials, for answers in other shapes (container credentials). */
  readonly credentials: AwsCredentials;
}

export interface Callers {
  /**
   * Hot path: the caller's workload if an identity source knows the address and does not find it gone (see
   * IdentitySource.lookupChecked). With the request's socket, a keep-alive connection remembers it for as
   * long as the identity index stands still.
   */
  identify(ip: string, socket?: Socket): Workload | undefined;
  /** Slow path after a miss: sources that may lag behind get a chance to catch up. */
  identifyAfterMiss(ip: string): Promise<Workload | undefined>;
  /**
   * The role the workload gets (its own, else the default role), or undefined. Synchronous once resolved
   * for this workload, so warm requests stay off the promise path; remembered on the socket as well.
   */
  roleFor(workload: Workload | undefined, socket?: Socket): CallerRole | undefined | Promise<CallerRole | undefined>;
  credentialsFor(role: CallerRole): ServedCredentials | Promise<ServedCredentials>;
}
