import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwsIamGateway } from '../../src/credentials/iam-gateway.js';
import { partitionOfRegion, resolveRoleAlias, RoleResolver, type RoleResolverOptions } from '../../src/roles/resolver.js';
import { RoleSpecError } from '../../src/config/role-spec.js';
import { StsError } from '../../src/credentials/sts-error.js';
import { FakeAws } from '../helpers/fake-aws.js';
import { FakeClock } from '../helpers/fake-clock.js';

const DUMMY_CREDENTIALS = { accessKeyId: 'AKIDPROXYTEST', secretAccessKey: 'proxy-secret' };

function resolver(options: Partial<RoleResolverOptions> = {}): RoleResolver {
  return new RoleResolver({ accountMap: {}, clock: new FakeClock(), ...options });
}

describe('RoleResolver without I/O', () => {
  it('uses an ARN as it is', async () => {
    const arn = 'arn:aws-cn:iam::123456789012:role/team/web';
    const expected = { arn, name: 'web', path: '/team/', accountId: '123456789012', partition: 'aws-cn' };
    assert.deepEqual(resolver().peek(arn), expected);
    assert.deepEqual(await resolver().resolve(arn), expected);
  });

  it('builds name@account in the partition of the configured region', () => {
    assert.equal(resolver().peek('web@123456789012')?.arn, 'arn:aws:iam::123456789012:role/web');
    assert.equal(resolver({ region: 'cn-north-1' }).peek('team/web@123456789012')?.arn, 'arn:aws-cn:iam::123456789012:role/team/web');
    assert.equal(resolver({ region: 'us-gov-west-1' }).peek('web@123456789012')?.arn, 'arn:aws-us-gov:iam::123456789012:role/web');
  });

  it('maps name@alias through AWS_ACCOUNT_MAP', () => {
    const r = resolver({ accountMap: { prod: '210987654321' } });
    assert.deepEqual(r.peek('web@prod'), { arn: 'arn:aws:iam::210987654321:role/web', name: 'web', path: '/', accountId: '210987654321', partition: 'aws' });
  });

  it('refuses an unknown alias, and an alias mapped to something that is not an account id', async () => {
    const r = resolver({ accountMap: { broken: 'prod-account' } });
    assert.equal(r.peek('web@nope'), undefined);
    await assert.rejects(r.resolve('web@nope'), (e: unknown) => e instanceof RoleSpecError && /AWS_ACCOUNT_MAP has no entry/.test(e.message));
    await assert.rejects(r.resolve('web@broken'), (e: unknown) => e instanceof RoleSpecError && /not a 12-digit account id/.test(e.message));
    // Inherited object keys are not aliases.
    await assert.rejects(r.resolve('web@constructor'), RoleSpecError);
  });

  it('puts bare names in DEFAULT_ACCOUNT_ID', () => {
    const r = resolver({ defaultAccountId: '111122223333' });
    assert.equal(r.peek('web')?.arn, 'arn:aws:iam::111122223333:role/web');
    assert.equal(r.peek('a/b/web')?.arn, 'arn:aws:iam::111122223333:role/a/b/web');
  });

  it('answers peek() with the same object every time (no allocation on the hot path)', () => {
    const r = resolver({ defaultAccountId: '111122223333' });
    assert.equal(r.peek('web'), r.peek('web'));
  });

  it('says why when a bare name cannot be resolved without IAM', async () => {
    const r = resolver();
    assert.equal(r.peek('web'), undefined);
    await assert.rejects(r.resolve('web'), (e: unknown) => e instanceof RoleSpecError && /DEFAULT_ACCOUNT_ID/.test(e.message));
  });

  it('rejects invalid specs in resolve() and answers undefined in peek()', async () => {
    assert.equal(resolver().peek('bad name'), undefined);
    await assert.rejects(resolver().resolve('bad name'), RoleSpecError);
  });
});

describe('resolveRoleAlias (ec2metaproxy aliasToARN)', () => {
  const aliasToArn = { web: 'arn:aws:iam::123456789012:role/svc/web', broken: 'web@123456789012' };

  it('resolves a role alias to its ARN', () => {
    assert.deepEqual(resolveRoleAlias('web', aliasToArn), {
      arn: 'arn:aws:iam::123456789012:role/svc/web',
      name: 'web',
      path: '/svc/',
      accountId: '123456789012',
      partition: 'aws',
    });
  });

  it('answers undefined for an unmapped alias and refuses a mapping that is not a role ARN', () => {
    assert.equal(resolveRoleAlias('db', aliasToArn), undefined);
    assert.equal(resolveRoleAlias('toString', aliasToArn), undefined);
    assert.throws(() => resolveRoleAlias('broken', aliasToArn), (e: unknown) => e instanceof RoleSpecError && /aliasToARN maps it to/.test(e.message));
  });
});

describe('partitionOfRegion', () => {
  it('knows the partitions by region prefix', () => {
    assert.equal(partitionOfRegion(undefined), 'aws');
    assert.equal(partitionOfRegion('eu-west-1'), 'aws');
    assert.equal(partitionOfRegion('cn-northwest-1'), 'aws-cn');
    assert.equal(partitionOfRegion('us-gov-east-1'), 'aws-us-gov');
    assert.equal(partitionOfRegion('us-isob-east-1'), 'aws-iso-b');
    assert.equal(partitionOfRegion('us-iso-east-1'), 'aws-iso');
  });
});

describe('RoleResolver with iam:GetRole (real IAM client, fake IAM server)', () => {
  let aws: FakeAws;
  let iam: AwsIamGateway;

  before(async () => {
    aws = await FakeAws.start();
    aws.addRole('arn:aws:iam::444455556666:role/web');
    aws.addRole('arn:aws:iam::444455556666:role/team/api');
    iam = new AwsIamGateway({ endpoint: aws.url, credentials: DUMMY_CREDENTIALS, region: 'eu-west-1' });
  });
  after(async () => {
    iam.close();
    await aws.close();
  });
  beforeEach(() => aws.reset());

  it('looks a bare name up once, then answers from memory (peek included)', async () => {
    const r = resolver({ iam });
    assert.equal(r.peek('web'), undefined);
    const role = await r.resolve('web');
    assert.deepEqual(role, { arn: 'arn:aws:iam::444455556666:role/web', name: 'web', path: '/', accountId: '444455556666', partition: 'aws' });
    assert.equal(r.peek('web'), role);
    assert.equal(await r.resolve('web'), role);
    assert.equal(aws.count('GetRole'), 1);
    assert.equal(aws.calls[0]?.params.RoleName, 'web');
    assert.equal(aws.calls[0]?.service, 'iam');
  });

  it('shares one GetRole among concurrent lookups of the same name', async () => {
    const r = resolver({ iam });
    aws.delayMs = 20;
    const roles = await Promise.all(Array.from({ length: 50 }, () => r.resolve('web')));
    assert.equal(aws.count('GetRole'), 1);
    assert.ok(roles.every((role) => role.arn === 'arn:aws:iam::444455556666:role/web'));
  });

  it('finds a role in its path, and refuses a spec naming another path', async () => {
    const r = resolver({ iam });
    assert.equal((await r.resolve('api')).arn, 'arn:aws:iam::444455556666:role/team/api');
    assert.equal((await r.resolve('team/api')).arn, 'arn:aws:iam::444455556666:role/team/api');
    await assert.rejects(r.resolve('other/api'), (e: unknown) => e instanceof RoleSpecError && /exists with path \/team\//.test(e.message));
  });

  it('maps NoSuchEntity to a 404 and remembers the failure only briefly', async () => {
    const clock = new FakeClock();
    const r = resolver({ iam, clock, failureTtlMs: 10_000 });
    const isMissing = (e: unknown) => e instanceof StsError && e.status === 404 && e.code === 'NoSuchEntity';
    await assert.rejects(r.resolve('ghost'), isMissing);
    await assert.rejects(r.resolve('ghost'), isMissing);
    assert.equal(aws.count('GetRole'), 1, 'second failure answered from memory');
    await clock.advance(10_000);
    aws.addRole('arn:aws:iam::444455556666:role/ghost');
    assert.equal((await r.resolve('ghost')).arn, 'arn:aws:iam::444455556666:role/ghost');
    assert.equal(aws.count('GetRole'), 2);
  });

  it('maps throttling to a retryable 503', async () => {
    aws.throttle();
    await assert.rejects(resolver({ iam }).resolve('web'), (e: unknown) => e instanceof StsError && e.status === 503 && e.code === 'Throttling');
  });

  it('prefers DEFAULT_ACCOUNT_ID over asking IAM', async () => {
    const r = resolver({ iam, defaultAccountId: '111122223333' });
    assert.equal((await r.resolve('web')).arn, 'arn:aws:iam::111122223333:role/web');
    assert.equal(aws.count(), 0);
  });
});
