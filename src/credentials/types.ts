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
