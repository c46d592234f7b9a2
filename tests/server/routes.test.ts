import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeOf, isIamVersion } from '../../src/server/routes.js';

test('IAM versions: latest and dates from 2012-01-12 on', () => {
  assert.equal(isIamVersion('latest'), true);
  assert.equal(isIamVersion('2012-01-12'), true);
  assert.equal(isIamVersion('2021-03-23'), true);
  assert.equal(isIamVersion('2011-01-01'), false);
  assert.equal(isIamVersion('1.0'), false);
  assert.equal(isIamVersion('2012-1-12'), false);
});

test('credential routes are ours', () => {
  assert.deepEqual(routeOf('/latest/meta-data/iam/info'), { kind: 'iam-info' });
  assert.deepEqual(routeOf('/latest/meta-data/iam/'), { kind: 'iam-listing' });
  assert.deepEqual(routeOf('/latest/meta-data/iam'), { kind: 'iam-listing' });
  assert.deepEqual(routeOf('/2016-09-02/meta-data/iam/security-credentials/'), { kind: 'credentials-list' });
  assert.deepEqual(routeOf('/latest/meta-data/iam/security-credentials/'), { kind: 'credentials-list' });
  assert.deepEqual(routeOf('/latest/meta-data/iam/security-credentials/app'), { kind: 'credentials', role: 'app' });
  assert.deepEqual(routeOf('/latest/meta-data/iam/security-credentials/app/'), { kind: 'credentials', role: 'app' });
});

test('security-credentials without trailing slash redirects within the same version', () => {
  assert.deepEqual(routeOf('/2012-01-12/meta-data/iam/security-credentials'), {
    kind: 'credentials-redirect',
    location: '/2012-01-12/meta-data/iam/security-credentials/',
  });
});

test('anything below an IAM path that is not a route is ours and not found', () => {
  for (const path of [
    '/latest/meta-data/iam/security-credentials/app/extra',
    '/latest/meta-data/iam/security-credentials/app//',
    '/latest/meta-data/iam/security-credentials//',
    '/latest/meta-data/iam/info/',
    '/latest/meta-data/iam/info/x',
    '/latest/meta-data/iam/other',
    '/latest/meta-data/IAM/security-credentials/',
    '/latest/META-DATA/iam/security-credentials/',
    '/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance',
    '/2011-01-01/meta-data/iam/security-credentials/',
    '/1.0/meta-data/iam/info',
    '/nonsense/meta-data/iam/info',
    '/latest/meta-data/iamx/info',
    '/latest/meta-data/iam;/security-credentials/',
    '/latest/meta-data/IAM./info',
    '/latest/meta-data/identity-credentials-x',
  ]) {
    assert.deepEqual(routeOf(path), { kind: 'not-found' }, path);
  }
});

test('everything else is passed through', () => {
  for (const path of [
    '/',
    '/latest',
    '/latest/',
    '/latest/meta-data/',
    '/latest/meta-data/instance-id',
    '/latest/meta-data/placement/availability-zone',
    '/latest/dynamic/instance-identity/document',
    '/latest/user-data',
    '/2011-01-01/meta-data/instance-id',
  ]) {
    assert.deepEqual(routeOf(path), { kind: 'passthrough' }, path);
  }
});
