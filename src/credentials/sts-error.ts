// AWS failures reduced to what a caller can be told: 404 (this role cannot be had: fix the role, trust
// policy or session policy) or 503 (AWS or our own access to it is failing: try again later). The code is
// AWS's own (`AccessDenied`, `Throttling`, …).
import { ProxyError } from '../core/errors.js';

export type StsErrorStatus = 404 | 503;

export class StsError extends ProxyError {
  declare readonly status: StsErrorStatus;

  constructor(status: StsErrorStatus, code: string, message: string) {
    super(status, code, message);
  }
}

/** iam:GetRole failing (credentials/iam-gateway.ts): an AWS failure like STS's, answered alike. */
export class IamError extends StsError {}

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

/** An SDK (or network) failure of an STS call as an StsError; IAM's as an IamError with `kind`. */
export function toStsError(error: unknown, kind: typeof StsError = StsError): StsError {
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
  return new kind(refusedCaller ? 404 : 503, code, message);
}
