// ROLE_SESSION_KEY: where a workload's STS session name is read from (its environment, its labels, or both).

/** Where ROLE_SESSION_KEY points. */
export type SessionKeySource = { from: 'env' | 'labels' | 'labels-then-env'; name: string };

/**
 * `Env:NAME` reads the workload's environment, `Labels:NAME` its labels (as lyft/metadataproxy). lyft
 * ignores a bare NAME; we read the label NAME, then the environment variable NAME, so a bare name does
 * what its writer most likely meant instead of nothing. Prefixes are case-insensitive.
 */
export function parseRoleSessionKey(text: string): SessionKeySource {
  const match = /^(?:(env|labels?):)?(.*)$/is.exec(text.trim())!;
  const prefix = match[1]?.toLowerCase();
  const name = match[2]!.trim();
  if (name === '') throw new Error(`ROLE_SESSION_KEY ${JSON.stringify(text)} names no variable or label (expected Env:NAME, Labels:NAME or NAME)`);
  const from = prefix === undefined ? 'labels-then-env' : prefix === 'env' ? 'env' : 'labels';
  return { from, name };
}
