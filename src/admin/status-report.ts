// What `/status` answers and `metadataproxy status` prints: every indexed caller and the state of its
// credentials. It carries no secret by construction: expiry and errors, never keys or tokens.
import type { OwnIdentityStatus } from '../credentials/own-identity.js';

export interface CallerStatus {
  /** Caller address (the container's IP). */
  caller: string;
  /** Identity source that knows it: docker, mapping, reverse-dns, demo. */
  source: string;
  /** Container (workload) name. */
  container: string;
  containerId?: string;
  /** Role the caller gets (its own or the default), as an ARN once resolved, else as written. */
  role?: string;
  /** Session tags sent with AssumeRole (tag values are not secrets: CloudTrail records them too). */
  sessionTags?: Record<string, string>;
  transitiveTagKeys?: string[];
  sourceIdentity?: string;
  /** AssumeRole DurationSeconds. */
  durationSeconds?: number;
  /** When the cached credentials expire (ISO 8601); absent when none are cached. */
  expiresAt?: string;
  /** The last STS (or role lookup) error for this caller's credentials, if the last attempt failed. */
  lastError?: string;
  /** Served by DEFAULT_ROLE (or defaultAlias): the caller has no role of its own, or no source knows it. */
  defaultRole?: true;
}

/** The proxy's own state: readiness as /readyz says it, and its own AWS identity in STS mode aws. */
export interface ProxyStatus {
  ready: boolean;
  /** Check name → why it is not ready, or what it found. */
  checks: Record<string, { ok: boolean; detail?: string }>;
  awsIdentity?: OwnIdentityStatus;
}

export interface StatusReport {
  /** When the report was made (ISO 8601); expiry is shown relative to it. */
  generatedAt: string;
  proxy?: ProxyStatus;
  callers: CallerStatus[];
}
