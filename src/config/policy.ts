// Session policies as written in settings, mapping files and labels: one compact JSON form, or why not.

/** Why a value is not a session policy, in each caller's own words. */
export interface PolicyRefusal<F> {
  /** Text that does not parse; gets JSON.parse's message, which may quote the text. */
  notJson(parseError: string): F;
  notObject(): F;
}

/**
 * Compact JSON text of a session policy given as a JSON object (mapping or config file) or JSON text (env,
 * flags, labels), or what `refuse` makes of why it is not one. One compact form keeps equal policies equal
 * in the credential cache key. F is an object, so a string is always the policy.
 */
export function compactPolicyOr<F extends object>(value: unknown, refuse: PolicyRefusal<F>): string | F {
  let document = value;
  if (typeof value === 'string') {
    try {
      document = JSON.parse(value);
    } catch (error) {
      return refuse.notJson((error as Error).message);
    }
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return refuse.notObject();
  return JSON.stringify(document);
}

const IDENTITY_REFUSAL: PolicyRefusal<Error> = {
  notJson: () => new Error('policy is not valid JSON'),
  notObject: () => new Error('policy must be a JSON object'),
};

/** compactPolicyOr for identity sources: an Error saying why, never quoting the policy. */
export function compactPolicy(value: unknown): string | Error {
  return compactPolicyOr(value, IDENTITY_REFUSAL);
}
