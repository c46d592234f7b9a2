import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Workload } from '../../src/identity/workload.js';
import { buildAssumeRoleRequest } from '../../src/roles/assume-request.js';
import { parseRoleSessionKey } from '../../src/roles/session-name.js';

const role = { arn: 'arn:aws:iam::123456789012:role/web' };
const workload: Workload = { id: 'c1', name: 'web-1', source: 'docker', env: { TEAM: 'payments' } };
const DEFAULT_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}';

describe('buildAssumeRoleRequest', () => {
  it('carries the role, session name, duration, external id and the binding\'s own policy', () => {
    const request = buildAssumeRoleRequest(workload, { spec: 'web', externalId: 'ext-1', policy: '{"own":1}' }, role, {
      roleDurationSeconds: 3600,
      defaultPolicy: DEFAULT_POLICY,
      roleSessionKey: parseRoleSessionKey('Env:TEAM'),
    });
    assert.deepEqual(request, {
      roleArn: role.arn,
      sessionName: 'payments',
      durationSeconds: 3600,
      externalId: 'ext-1',
      policy: '{"own":1}',
    });
  });

  it('falls back to the default policy, and leaves out empty external ids and policies', () => {
    assert.deepEqual(buildAssumeRoleRequest(workload, { spec: 'web', externalId: '', policy: ' ' }, role, { roleDurationSeconds: 900, defaultPolicy: DEFAULT_POLICY }), {
      roleArn: role.arn,
      sessionName: 'metadataproxy',
      durationSeconds: 900,
      policy: DEFAULT_POLICY,
    });
    assert.deepEqual(buildAssumeRoleRequest(undefined, { spec: 'web' }, role, { roleDurationSeconds: 900, defaultSessionName: 'my-proxy' }), {
      roleArn: role.arn,
      sessionName: 'my-proxy',
      durationSeconds: 900,
    });
  });
});
