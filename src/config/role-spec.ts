// Role specs as workload owners write them: `name`, `path/to/name`, `name@123456789012`,
// `name@alias`, or a full role ARN in any partition. Parsing is pure; roles/resolver.ts turns a spec into an ARN.
import { ProxyError } from '../core/errors.js';

export type RoleSpec =
  | { readonly kind: 'arn'; readonly arn: string; readonly partition: string; readonly accountId: string; readonly path: string; readonly name: string }
  | { readonly kind: 'account'; readonly accountId: string; readonly path: string; readonly name: string }
  | { readonly kind: 'alias'; readonly alias: string; readonly path: string; readonly name: string }
  | { readonly kind: 'name'; readonly path: string; readonly name: string };

/** A role spec that cannot be used. Carries 404: the caller's role cannot be had. */
export class RoleSpecError extends ProxyError {
  constructor(
    readonly spec: string,
    reason: string,
  ) {
    super(404, 'InvalidRoleSpec', `role spec ${JSON.stringify(spec)}: ${reason}`);
  }
}

// IAM limits: role names [\w+=,.@-]{1,64}; paths `/` or `/…/` of printable ASCII, at most 512 characters.
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const PATH_SEGMENT = /^[\x21-\x7e]+$/;
const MAX_PATH_LENGTH = 512;
const ACCOUNT_ID = /^\d{12}$/;
const ACCOUNT_ALIAS = /^[\w.+-]{1,63}$/;
const ROLE_ARN = /^arn:(aws(?:-[a-z]+)*):iam::(\d{12}):role\/(.+)$/;

export function isAccountId(text: string): boolean {
  return ACCOUNT_ID.test(text);
}

/** A role ARN as `parseRoleSpec` takes it: any partition, a 12-digit account, IAM's path and name rules. */
export function isRoleArn(text: string): boolean {
  try {
    return text.startsWith('arn:') && parseArn(text, text).kind === 'arn';
  } catch (error) {
    if (error instanceof RoleSpecError) return false;
    throw error;
  }
}

export function parseRoleSpec(spec: string): RoleSpec {
  const text = spec.trim();
  if (text === '') throw new RoleSpecError(spec, 'empty');
  if (text.startsWith('arn:')) return parseArn(spec, text);

  // Role names may contain `@` themselves, so the account is whatever follows the last one.
  const at = text.lastIndexOf('@');
  const { path, name } = parsePathAndName(spec, at < 0 ? text : text.slice(0, at));
  if (at < 0) return { kind: 'name', path, name };
  const account = text.slice(at + 1);
  if (isAccountId(account)) return { kind: 'account', accountId: account, path, name };
  if (ACCOUNT_ALIAS.test(account)) return { kind: 'alias', alias: account, path, name };
  throw new RoleSpecError(spec, `${JSON.stringify(account)} after "@" is neither a 12-digit account id nor an account alias`);
}

function parseArn(spec: string, text: string): RoleSpec {
  const match = ROLE_ARN.exec(text);
  if (match === null) {
    throw new RoleSpecError(spec, 'not a role ARN (expected arn:PARTITION:iam::123456789012:role/[PATH/]NAME)');
  }
  const [, partition, accountId, rest] = match as unknown as [string, string, string, string];
  const { path, name } = parsePathAndName(spec, rest);
  return { kind: 'arn', arn: text, partition, accountId, path, name };
}

/** `a/b/name` or `/a/b/name` → path `/a/b/`, name `name`. */
function parsePathAndName(spec: string, text: string): { path: string; name: string } {
  const slash = text.lastIndexOf('/');
  const name = text.slice(slash + 1);
  if (!ROLE_NAME.test(name)) {
    throw new RoleSpecError(spec, `role name ${JSON.stringify(name)} must be 1-64 characters of letters, digits and _+=,.@-`);
  }
  if (slash < 0) return { path: '/', name };
  const inner = text.slice(0, slash).replace(/^\//, '');
  const path = inner === '' ? '/' : `/${inner}/`;
  const segmentsValid = inner === '' || inner.split('/').every((segment) => PATH_SEGMENT.test(segment));
  if (!segmentsValid || path.length > MAX_PATH_LENGTH) {
    throw new RoleSpecError(spec, `role path ${JSON.stringify(path)} must be non-empty segments of printable ASCII, at most 512 characters`);
  }
  return { path, name };
}
