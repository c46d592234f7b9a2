// AWS failures reduced to what a caller can be told: 404 (this role cannot be had: fix the role, trust
// policy or session policy) or 503 (AWS or our own access to it is failing: try again later).

export type StsErrorStatus = 404 | 503;

export class StsError extends Error {
  constructor(
    readonly status: StsErrorStatus,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StsError';
  }
}

// Refusals about the requested role or its parameters. Everything else — throttling, 5xx, network,
// timeouts, and problems with the proxy's own credentials — is ours or AWS's, so retryable.
const CALLER_CODES = new Set([
  'AccessDenied',
  'NoSuchEntity',
  'ValidationError',
  'MalformedPolicyDocument',
  'PackedPolicyTooLarge',
  'RegionDisabled',
  'InvalidParameterValue',
  'InvalidInput',
]);

/** SDK v3 names modeled errors `XyzException`; the wire code is `Xyz`. */
function codeOf(error: { name?: unknown; Code?: unknown; code?: unknown }): string {
  const raw = [error.Code, error.name, error.code].find((value) => typeof value === 'string' && value !== 'Error');
  return typeof raw === 'string' ? raw.replace(/Exception$/, '') : 'UnknownError';
}

export function toStsError(error: unknown): StsError {
  if (error instanceof StsError) return error;
  const details = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    Code?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const code = codeOf(details);
  const message = typeof details.message === 'string' && details.message !== '' ? details.message : code;
  const httpStatus = details.$metadata?.httpStatusCode;
  const refusedCaller = CALLER_CODES.has(code) && (httpStatus === undefined || httpStatus < 500);
  return new StsError(refusedCaller ? 404 : 503, code, message);
}
