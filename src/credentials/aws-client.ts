// Settings shared by the proxy's own STS and IAM clients. The SDK's default chain supplies the proxy's
// credentials and honours AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_IAM unless an endpoint is given here.

export interface AwsClientOptions {
  /** AWS_REGION: selects the regional STS endpoint and the partition's IAM endpoint. */
  region?: string;
  /** Explicit endpoint (tests); otherwise the SDK's endpoint rules and environment overrides apply. */
  endpoint?: string;
  /** The proxy's own credentials; left out, the SDK's default provider chain finds them. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Hard deadline for one call including the SDK's retry. */
  callTimeoutMs?: number;
}

/** Without a configured region, us-east-1: its regional STS endpoint serves every commercial-partition role. */
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_CALL_TIMEOUT_MS = 5_000;

export function sdkClientConfig(options: AwsClientOptions) {
  const timeout = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  return {
    region: options.region ?? DEFAULT_REGION,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.credentials !== undefined && { credentials: options.credentials }),
    // The credential cache backs off and retries on its own; one SDK retry covers a dropped connection.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: Math.min(timeout, 2_000), requestTimeout: timeout },
  };
}

/** Abort signal enforcing the whole-call deadline (connection, retries and reading the answer). */
export function callDeadline(options: AwsClientOptions): AbortSignal {
  return AbortSignal.timeout(options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
}
