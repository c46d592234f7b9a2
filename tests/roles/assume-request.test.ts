import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RoleBinding, Workload } from '../../src/identity/workload.js';
import { buildAssumeRoleRequest, type AssumeRoleSettings } from '../../src/roles/assume-request.js';
import { parseSourceIdentityKey } from '../../src/roles/source-identity.js';
import { SessionParameterError } from '../../src/roles/session-parameter-error.js';
import { parseRoleSessionKey } from '../../src/config/role-session-key.js';

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

describe('session tags, SourceIdentity and duration in the request', () => {
  const container: Workload = {
    id: 'c2',
    name: 'billing-7',
    source: 'docker',
    image: 'registry.example:5000/billing:1.4',
    service: 'billing',
    labels: { owner: 'team-b' },
    env: { WHO: 'batch-42' },
  };
  const base = { roleDurationSeconds: 3600 };

  it('fills DEFAULT_SESSION_TAGS placeholders and lets the workload\'s own tags win per key; tags go out sorted', () => {
    const request = buildAssumeRoleRequest(
      container,
      { spec: 'web', session: { tags: { team: 'billing', env: 'prod' }, transitiveTagKeys: ['team', 'container'] } },
      role,
      { ...base, defaultSessionTags: { container: '{name}', image: '{image}', service: 'svc-{service}', team: 'default' } },
    );
    assert.deepEqual(request.tags, [
      { key: 'container', value: 'billing-7' },
      { key: 'env', value: 'prod' },
      { key: 'image', value: 'registry.example:5000/billing:1.4' },
      { key: 'service', value: 'svc-billing' },
      { key: 'team', value: 'billing' },
    ]);
    assert.deepEqual(request.transitiveTagKeys, ['container', 'team']);
  });

  it('leaves out a default tag whose placeholder has no value (no Swarm service) rather than sending it empty', () => {
    const request = buildAssumeRoleRequest({ ...container, service: undefined }, { spec: 'web' }, role, { ...base, defaultSessionTags: { service: '{service}', name: '{name}' } });
    assert.deepEqual(request.tags, [{ key: 'name', value: 'billing-7' }]);
    assert.equal(buildAssumeRoleRequest(undefined, { spec: 'web' }, role, { ...base, defaultSessionTags: { name: '{name}' } }).tags, undefined);
  });

  it('SourceIdentity: the binding\'s own, else SOURCE_IDENTITY_KEY (Env:, Labels:, Name, Image; name and image made to fit)', () => {
    const identity = (key: string, session?: { sourceIdentity: string }) =>
      buildAssumeRoleRequest(container, { spec: 'web', ...(session && { session }) }, role, { ...base, sourceIdentityKey: parseSourceIdentityKey(key) }).sourceIdentity;
    assert.equal(identity('Env:WHO'), 'batch-42');
    assert.equal(identity('Labels:owner'), 'team-b');
    assert.equal(identity('owner'), 'team-b');
    assert.equal(identity('name'), 'billing-7');
    assert.equal(identity('Image'), 'registry.example_5000_billing_1.4');
    assert.equal(identity('Env:MISSING'), undefined);
    assert.equal(identity('Image', { sourceIdentity: 'own-id' }), 'own-id');
  });

  it('duration: the binding\'s own, else ROLE_SESSION_DURATION', () => {
    assert.equal(buildAssumeRoleRequest(container, { spec: 'web', session: { durationSeconds: 7200 } }, role, base).durationSeconds, 7200);
    assert.equal(buildAssumeRoleRequest(container, { spec: 'web' }, role, base).durationSeconds, 3600);
  });

  it('refuses (404, code InvalidSessionParameters, reason named) what STS would refuse, and a binding refused at discovery', () => {
    const refused = (binding: RoleBinding, settings: Partial<AssumeRoleSettings> = {}) => {
      try {
        buildAssumeRoleRequest(container, binding, role, { ...base, ...settings });
      } catch (error) {
        assert.ok(error instanceof SessionParameterError);
        assert.equal(error.status, 404);
        assert.equal(error.code, 'InvalidSessionParameters');
        return error.message;
      }
      assert.fail('expected a refusal');
    };
    assert.match(refused({ spec: 'web', session: { durationSeconds: 7200 } }, { roleChaining: true }), /^billing-7: session duration 7200 .*900-3600/);
    assert.match(refused({ spec: 'web' }, { roleDurationSeconds: 7200, roleChaining: true }), /role chaining/);
    assert.match(refused({ spec: 'web', session: { transitiveTagKeys: ['team'] } }), /transitive tag key "team"/);
    assert.match(refused({ spec: 'web' }, { defaultSessionTags: { image: '{image}!' } }), /session tag "image"/);
    assert.match(refused({ spec: 'web', session: { sourceIdentity: 'aws:me' } }), /must not start with aws:/);
    assert.match(refused({ spec: 'web', refusal: 'IAM_SESSION_TAGS: bad' }), /^billing-7: IAM_SESSION_TAGS: bad$/);
  });
});
