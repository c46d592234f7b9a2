import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoleSpec, RoleSpecError } from '../../src/config/role-spec.js';

describe('parseRoleSpec', () => {
  it('reads a bare role name', () => {
    assert.deepEqual(parseRoleSpec('web-app'), { kind: 'name', path: '/', name: 'web-app' });
  });

  it('reads a role with a path, with or without the leading slash', () => {
    assert.deepEqual(parseRoleSpec('team/svc/web'), { kind: 'name', path: '/team/svc/', name: 'web' });
    assert.deepEqual(parseRoleSpec('/team/web'), { kind: 'name', path: '/team/', name: 'web' });
  });

  it('reads name@account-id', () => {
    assert.deepEqual(parseRoleSpec('web@123456789012'), { kind: 'account', accountId: '123456789012', path: '/', name: 'web' });
    assert.deepEqual(parseRoleSpec('team/web@123456789012'), { kind: 'account', accountId: '123456789012', path: '/team/', name: 'web' });
  });

  it('reads name@alias', () => {
    assert.deepEqual(parseRoleSpec('web@prod'), { kind: 'alias', alias: 'prod', path: '/', name: 'web' });
  });

  it('takes the account from after the last @, since role names may contain @', () => {
    assert.deepEqual(parseRoleSpec('svc@corp@123456789012'), { kind: 'account', accountId: '123456789012', path: '/', name: 'svc@corp' });
  });

  it('reads full ARNs in every partition', () => {
    for (const partition of ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso-b']) {
      const arn = `arn:${partition}:iam::123456789012:role/team/web`;
      assert.deepEqual(parseRoleSpec(arn), { kind: 'arn', arn, partition, accountId: '123456789012', path: '/team/', name: 'web' });
    }
    assert.deepEqual(parseRoleSpec('arn:aws:iam::123456789012:role/web'), {
      kind: 'arn',
      arn: 'arn:aws:iam::123456789012:role/web',
      partition: 'aws',
      accountId: '123456789012',
      path: '/',
      name: 'web',
    });
  });

  it('ignores surrounding whitespace', () => {
    assert.deepEqual(parseRoleSpec('  web\n'), { kind: 'name', path: '/', name: 'web' });
  });

  it('accepts every character IAM allows in a name, up to 64 characters', () => {
    assert.equal(parseRoleSpec('a_B9+=,.@-x@123456789012').name, 'a_B9+=,.@-x');
    assert.equal(parseRoleSpec('r'.repeat(64)).name, 'r'.repeat(64));
  });

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['   ', /empty/],
    ['web app', /role name/],
    ['r'.repeat(65), /role name/],
    ['web/', /role name/],
    ['web@', /neither a 12-digit account id nor an account alias/],
    ['web@12345:6', /neither/],
    ['web@1234/5', /neither/],
    ['a//web', /role path/],
    ['a b/web', /role path/],
    [`${'p/'.repeat(300)}web`, /role path/],
    ['arn:aws:iam::123456789012:user/bob', /not a role ARN/],
    ['arn:aws:iam::12345:role/web', /not a role ARN/],
    ['arn:aws:sts::123456789012:assumed-role/web/x', /not a role ARN/],
    ['arn:aws:iam::123456789012:role/', /not a role ARN/],
    ['arn:aws:iam::123456789012:role/bad name', /role name/],
  ];
  for (const [spec, reason] of bad) {
    it(`refuses ${JSON.stringify(spec.length > 40 ? spec.slice(0, 40) + '…' : spec)} with a clear error`, () => {
      assert.throws(
        () => parseRoleSpec(spec),
        (error: unknown) => error instanceof RoleSpecError && error.status === 404 && reason.test(error.message) && error.message.includes('role spec'),
      );
    });
  }
});
