// Bench callers: loopback addresses (all of 127/8 reaches `lo` on Linux, so any of them can be bound as a
// source address) mapped to roles in a ROLE_MAPPING_FILE.

export const ACCOUNT_ID = '123456789012';
export const CREDENTIALS_PREFIX = '/latest/meta-data/iam/security-credentials/';

export interface BenchCaller {
  address: string;
  role: string;
}

/** Caller `index` → 127.0.x.y, starting at 127.0.1.1 so the bench never overlaps the demo's 127.0.0.x. */
export function callerAddress(index: number): string {
  return `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`;
}

/** `count` callers spread over `roles` roles. */
export function benchCallers(count: number, roles: number): BenchCaller[] {
  return Array.from({ length: count }, (_, i) => ({ address: callerAddress(i), role: `bench-role-${i % roles}` }));
}

export function mappingFile(callers: readonly BenchCaller[]): string {
  return JSON.stringify(Object.fromEntries(callers.map((c) => [c.address, c.role])));
}
