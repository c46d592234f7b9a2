import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AssumeRoleRequest } from '../../src/roles/assume-request.js';
import { credentialKey } from '../../src/credentials/credential-key.js';

describe('credentialKey', () => {
  const full: Required<AssumeRoleRequest> = {
    roleArn: 'arn:aws:iam::123456789012:role/web',
    sessionName: 'payments',
    externalId: 'ext-1',
    policy: '{"a":1}',
    durationSeconds: 3600,
    tags: [{ key: 'team', value: 'payments' }],
    transitiveTagKeys: ['team'],
    sourceIdentity: 'web-1',
  };
  const changed: Required<AssumeRoleRequest> = {
    roleArn: 'arn:aws:iam::123456789012:role/db',
    sessionName: 'payments2',
    externalId: 'ext-2',
    policy: '{"a":2}',
    durationSeconds: 1800,
    tags: [{ key: 'team', value: 'billing' }],
    transitiveTagKeys: [],
    sourceIdentity: 'web-2',
  };

  it('is the same for equal requests, whatever the property order', () => {
    const reordered = {
      sourceIdentity: 'web-1',
      transitiveTagKeys: ['team'],
      tags: [{ value: 'payments', key: 'team' }],
      durationSeconds: 3600,
      policy: '{"a":1}',
      externalId: 'ext-1',
      sessionName: 'payments',
      roleArn: full.roleArn,
    };
    assert.equal(credentialKey(full), credentialKey(reordered));
  });

  it('changes with every field of the request', () => {
    for (const field of Object.keys(full) as Array<keyof AssumeRoleRequest>) {
      assert.notEqual(credentialKey({ ...full, [field]: changed[field] }), credentialKey(full), `${field} must change the key`);
    }
  });

  it('tells an absent optional field from an empty or swapped one', () => {
    const bare: AssumeRoleRequest = { roleArn: full.roleArn, sessionName: full.sessionName, durationSeconds: full.durationSeconds };
    const keys = new Set([
      credentialKey(bare),
      credentialKey({ ...bare, externalId: '' }),
      credentialKey({ ...bare, policy: '' }),
      credentialKey({ ...bare, externalId: 'x' }),
      credentialKey({ ...bare, policy: 'x' }),
      credentialKey({ ...bare, tags: [] }),
      credentialKey({ ...bare, tags: [{ key: 'x', value: '' }] }),
      credentialKey({ ...bare, sourceIdentity: 'x' }),
    ]);
    assert.equal(keys.size, 8);
  });

  it('never contains the external id or the policy', () => {
    const key = credentialKey({ ...full, externalId: 'very-secret-external-id', policy: '{"Statement":"long policy"}' });
    assert.ok(!key.includes('very-secret-external-id'));
    assert.ok(!key.includes('long policy'));
    assert.ok(key.startsWith(`${full.roleArn}|payments|3600|`));
  });
});
