// Contract tests: the exact bytes EC2's metadata service writes, which SDKs have parsed for a decade.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentialsBody, iamInfoBody, imdsTimestamp, instanceProfileId } from '../../src/imds/answers.js';

const credentials = {
  accessKeyId: 'ASIAEXAMPLEEXAMPLE00',
  secretAccessKey: 'secret/with+chars',
  sessionToken: 'token"quoted',
  expiration: new Date('2026-11-24T14:05:06.789Z'),
};

test('timestamps are UTC with second precision and a Z', () => {
  assert.equal(imdsTimestamp(new Date('2026-01-02T03:04:05.999Z')), '2026-01-02T03:04:05Z');
  assert.match(imdsTimestamp(new Date()), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
});

test('credentials body is pinned byte for byte', () => {
  const body = credentialsBody(credentials, new Date('2026-11-24T13:05:06Z')).toString();
  assert.equal(
    body,
    '{\n' +
      '  "Code" : "Success",\n' +
      '  "LastUpdated" : "2026-11-24T13:05:06Z",\n' +
      '  "Type" : "AWS-HMAC",\n' +
      '  "AccessKeyId" : "ASIAEXAMPLEEXAMPLE00",\n' +
      '  "SecretAccessKey" : "secret/with+chars",\n' +
      '  "Token" : "token\\"quoted",\n' +
      '  "Expiration" : "2026-11-24T14:05:06Z"\n' +
      '}',
  );
  assert.deepEqual(Object.keys(JSON.parse(body)), [
    'Code',
    'LastUpdated',
    'Type',
    'AccessKeyId',
    'SecretAccessKey',
    'Token',
    'Expiration',
  ]);
});

test('iam/info body is pinned byte for byte', () => {
  const arn = 'arn:aws:iam::123456789012:role/team/app';
  const body = iamInfoBody(arn, new Date('2026-11-24T13:05:06Z')).toString();
  assert.equal(
    body,
    '{\n' +
      '  "Code" : "Success",\n' +
      '  "LastUpdated" : "2026-11-24T13:05:06Z",\n' +
      '  "InstanceProfileArn" : "arn:aws:iam::123456789012:instance-profile/team/app",\n' +
      `  "InstanceProfileId" : "${instanceProfileId(arn)}"\n` +
      '}',
  );
});

test('instance profile ids look like AWS ids and are stable per role', () => {
  const id = instanceProfileId('arn:aws:iam::123456789012:role/app');
  assert.match(id, /^AIPA[A-Z2-7]{17}$/);
  assert.equal(id, instanceProfileId('arn:aws:iam::123456789012:role/app'));
  assert.notEqual(id, instanceProfileId('arn:aws:iam::123456789012:role/other'));
});
