// Session policies as written in settings, mapping files and labels: one compact JSON form, or why not.
import { InvalidValueError } from '../core/errors.js';

/** A session policy that is not a JSON object. */
export class PolicyError extends InvalidValueError {
  /** `parseError`: JSON.parse's message, which may quote the text; only settings show it. */
  constructor(readonly parseError?: string) {
    super(parseError === undefined ? 'policy must be a JSON object' : 'policy is not valid JSON');
  }
}

/**
 * Compact JSON text of a session policy given as a JSON object (mapping or config file) or JSON text (env,
 * flags, labels); throws PolicyError. One compact form keeps equal policies equal in the credential cache key.
 */
export function compactPolicy(value: unknown): string {
  let document = value;
  if (typeof value === 'string') {
    try {
      document = JSON.parse(value);
    } catch (error) {
      throw new PolicyError((error as Error).message);
    }
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new PolicyError();
  return JSON.stringify(document);
}
