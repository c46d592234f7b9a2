import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwsStsGateway } from '../../src/credentials/sts-gateway.js';
import { CredentialCache } from '../../src/credentials/cache.js';
import { noopMetrics } from '../../src/observability/metrics.js';
import { silentLogger } from '../../src/observability/logger.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { StsError, toStsError } from '../../src/credentials/sts-error.js';
import type { AssumeRoleRequest } from '../../src/roles/assume-request.js';
import { FakeAws } from '../helpers/fake-aws.js';

const DUMMY_CREDENTIALS = { accessKeyId: 'AKIDPROXYTEST', secretAccessKey: 'proxy-secret' };
const REQUEST: AssumeRoleRequest = {
  roleArn: 'arn:aws:iam::123456789012:role/web',
  sessionName: 'metadataproxy',
  durationSeconds: 3600,
};

function isStsError(status: number, code: string) {
  return (error: unknown) => error instanceof StsError && error.status === status && error.code === code;
}

describe('AwsStsGateway (real SDK, fake STS)', () => {
  let aws: FakeAws;
  let sts: AwsStsGateway;
  const now = Date.UTC(2030, 0, 1, 12);

  before(async () => {
    aws = await FakeAws.start({ now: () => now });
    sts = new AwsStsGateway({ endpoint: aws.url, credentials: DUMMY_CREDENTIALS, region: 'eu-west-1' });
  });
  after(async () => {
    sts.close();
    await aws.close();
  });
  beforeEach(() => aws.reset());

  it('assumes a role and returns the credentials STS issued', async () => {
    const credentials = await sts.assumeRole({ ...REQUEST, externalId: 'ext-1', policy: '{"Version":"2012-10-17"}' });
    assert.match(credentials.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(credentials.secretAccessKey.length, 40);
    assert.match(credentials.sessionToken, /^[A-Za-z0-9+/=]{100,}$/);
    assert.equal(credentials.expiration.getTime(), now + 3600_000);
    assert.equal(aws.count('AssumeRole'), 1);
    const call = aws.calls[0]!;
    assert.deepEqual(
      { ...call.params },
      {
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: REQUEST.roleArn,
        RoleSessionName: 'metadataproxy',
        DurationSeconds: '3600',
        ExternalId: 'ext-1',
        Policy: '{"Version":"2012-10-17"}',
      },
    );
    assert.equal(call.service, 'sts');
    assert.equal(call.region, 'eu-west-1', 'signed for the configured region');
  });

  it('leaves out ExternalId and Policy when the request has none', async () => {
    await sts.assumeRole(REQUEST);
    assert.equal(aws.calls[0]?.params.ExternalId, undefined);
    assert.equal(aws.calls[0]?.params.Policy, undefined);
  });

  it('maps AccessDenied to 404 (the role cannot be had)', async () => {
    aws.failWith({ status: 403, code: 'AccessDenied', message: 'User is not authorized to perform: sts:AssumeRole' });
    await assert.rejects(sts.assumeRole(REQUEST), isStsError(404, 'AccessDenied'));
    assert.equal(aws.count(), 1, 'a refusal is not retried');
  });

  it('maps STS validation of the request to 404', async () => {
    await assert.rejects(sts.assumeRole({ ...REQUEST, roleArn: 'arn:aws:iam::123456789012:user/bob' }), isStsError(404, 'ValidationError'));
    aws.failWith({ status: 400, code: 'MalformedPolicyDocument', message: 'bad policy' });
    await assert.rejects(sts.assumeRole(REQUEST), isStsError(404, 'MalformedPolicyDocument'));
    aws.clearFailures();
    aws.failWith({ status: 403, code: 'RegionDisabledException', message: 'STS is not activated in this region' });
    await assert.rejects(sts.assumeRole(REQUEST), isStsError(404, 'RegionDisabled'));
  });

  it('maps throttling to 503 after at most one SDK retry', async () => {
    aws.throttle();
    await assert.rejects(sts.assumeRole(REQUEST), isStsError(503, 'Throttling'));
    assert.equal(aws.count(), 2);
  });

  it('maps 5xx to 503', async () => {
    aws.failWith({ status: 500, code: 'InternalFailure', message: 'oops' });
    await assert.rejects(sts.assumeRole(REQUEST), isStsError(503, 'InternalFailure'));
  });

  it('recovers after a transient failure within its one retry', async () => {
    aws.failWith({ status: 503, code: 'ServiceUnavailable' }, 1);
    const credentials = await sts.assumeRole(REQUEST);
    assert.match(credentials.accessKeyId, /^ASIA/);
    assert.equal(aws.count(), 2);
  });

  it('gives up at its deadline with a 503', async () => {
    aws.delayMs = 2_000;
    const impatient = new AwsStsGateway({ endpoint: aws.url, credentials: DUMMY_CREDENTIALS, callTimeoutMs: 300 });
    await assert.rejects(impatient.assumeRole(REQUEST), (error: unknown) => error instanceof StsError && error.status === 503);
    impatient.close();
  });

  it('maps an unreachable endpoint to 503', async () => {
    const closed = await FakeAws.start();
    await closed.close();
    const gateway = new AwsStsGateway({ endpoint: closed.url, credentials: DUMMY_CREDENTIALS, callTimeoutMs: 1_000 });
    await assert.rejects(gateway.assumeRole(REQUEST), (error: unknown) => error instanceof StsError && error.status === 503);
    gateway.close();
  });

  it('honours AWS_ENDPOINT_URL_STS without an explicit endpoint', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_STS;
    process.env.AWS_ENDPOINT_URL_STS = aws.url;
    const gateway = new AwsStsGateway({ credentials: DUMMY_CREDENTIALS, region: 'ap-southeast-2' });
    try {
      await gateway.assumeRole(REQUEST);
      assert.equal(aws.count('AssumeRole'), 1);
      assert.equal(aws.calls[0]?.region, 'ap-southeast-2');
    } finally {
      gateway.close();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
      else process.env.AWS_ENDPOINT_URL_STS = saved;
    }
  });
});

describe('CredentialCache over the real SDK and the fake STS', () => {
  it('sends one AssumeRole for 200 concurrent cold requests, answers warm ones from memory, and maps errors', async () => {
    const clock = new FakeClock();
    const aws = await FakeAws.start({ now: () => clock.now() });
    const sts = new AwsStsGateway({ endpoint: aws.url, credentials: DUMMY_CREDENTIALS });
    const cache = new CredentialCache({ sts, clock, random: Math.random, refreshBeforeExpiryMs: 30 * 60_000, metrics: noopMetrics, logger: silentLogger });
    try {
      aws.delayMs = 50;
      const answers = await Promise.all(Array.from({ length: 200 }, () => cache.get(REQUEST)));
      assert.equal(aws.count('AssumeRole'), 1);
      assert.ok(answers.every((a) => a === answers[0]));
      assert.match(answers[0]!.body.toString(), /"AccessKeyId" : "ASIA[A-Z2-7]{16}"/);
      assert.equal(cache.get(REQUEST), answers[0]);

      aws.delayMs = 0;
      aws.failWith({ status: 403, code: 'AccessDenied', message: 'not authorized' });
      await assert.rejects(Promise.resolve(cache.get({ ...REQUEST, sessionName: 'other' })), isStsError(404, 'AccessDenied'));
      aws.clearFailures();
      aws.throttle();
      await assert.rejects(Promise.resolve(cache.get({ ...REQUEST, sessionName: 'third' })), isStsError(503, 'Throttling'));
    } finally {
      cache.close();
      sts.close();
      await aws.close();
    }
  });
});

describe('toStsError', () => {
  it('maps caller refusals to 404 and everything else to 503', () => {
    assert.equal(toStsError({ name: 'NoSuchEntityException', $metadata: { httpStatusCode: 404 } }).status, 404);
    assert.equal(toStsError({ name: 'NoSuchEntityException' }).code, 'NoSuchEntity');
    assert.equal(toStsError({ name: 'ExpiredTokenException', $metadata: { httpStatusCode: 400 } }).status, 503);
    assert.equal(toStsError({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } }).status, 503);
    assert.equal(toStsError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).code, 'ECONNREFUSED');
    assert.equal(toStsError(new Error('boom')).status, 503);
    assert.equal(toStsError('weird').code, 'UnknownError');
    const original = new StsError(404, 'AccessDenied', 'no');
    assert.equal(toStsError(original), original);
  });
});
