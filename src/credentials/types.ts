// Credentials as STS returns them, independent of the SDK's types.
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

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

/** The one side effect the credential cache needs: AssumeRole (real STS or offline minting). */
export interface StsGateway {
  assumeRole(request: AssumeRoleRequest): Promise<AwsCredentials>;
}

/** Injected clock so cache logic is tested without waiting. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { unref?(): unknown } | unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
