// The one rule for what a failed request answers: one of our errors whose status a caller may see (the
// role cannot be had: 404; STS or IAM unavailable: 503), else 500.
import { ProxyError } from '../core/errors.js';

export type FailureStatus = 404 | 503 | 500;

export function failureStatus(error: unknown): FailureStatus {
  return error instanceof ProxyError && (error.status === 404 || error.status === 503) ? error.status : 500;
}
