import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { createMockImds, IMDS_VERSIONS, type MockImdsOptions } from '../../src/upstream/mock-imds.js';
import { manualClock, mount } from './harness.js';
import { partitionOfRegion } from '../../src/roles/resolver.js';

async function setup(t: TestContext, options: MockImdsOptions = {}) {
  const backend = createMockImds({ clock: manualClock(Date.UTC(2030, 0, 2, 3, 4, 5, 678)), ...options });
  const proxy = await mount(backend);
  t.after(() => proxy.close());
  async function call(path: string, method = 'GET') {
    const answer = await request(proxy.url + path, { method: method as 'GET' });
    return { status: answer.statusCode, headers: answer.headers, text: await answer.body.text() };
  }
  return { call, proxy };
}

const DOCUMENT_KEYS = [
  'accountId',
  'architecture',
  'availabilityZone',
  'billingProducts',
  'devpayProductCodes',
  'marketplaceProductCodes',
  'imageId',
  'instanceId',
  'instanceType',
  'kernelId',
  'pendingTime',
  'privateIp',
  'ramdiskId',
  'region',
  'version',
];

test('the root lists the API versions, latest last', async (t) => {
  const { call } = await setup(t);
  const answer = await call('/');
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['content-type'], 'text/plain');
  const versions = answer.text.split('\n');
  assert.deepEqual(versions, [...IMDS_VERSIONS]);
  assert.equal(versions.at(-1), 'latest');
  assert.ok(versions.includes('2012-01-12'));
});

test('a version lists dynamic and meta-data', async (t) => {
  const { call } = await setup(t);
  assert.equal((await call('/latest/')).text, 'dynamic\nmeta-data');
  assert.equal((await call('/2012-01-12/')).text, 'dynamic\nmeta-data');
});

test('the meta-data listing has one entry per line, directories with a trailing slash, and iam/', async (t) => {
  const { call } = await setup(t);
  const entries = (await call('/latest/meta-data/')).text.split('\n');
  for (const entry of ['ami-id', 'ami-launch-index', 'hostname', 'iam/', 'instance-id', 'instance-type', 'local-hostname', 'local-ipv4', 'mac', 'placement/', 'services/']) {
    assert.ok(entries.includes(entry), entry);
  }
  assert.ok(!entries.includes('identity-credentials/'), 'never answerable through the proxy, so not listed');
  assert.ok(entries.every((e) => e !== '' && !e.includes(' ')));
});

test('every listed path answers (except iam/, which the proxy answers itself)', async (t) => {
  const { call } = await setup(t);
  const pending = ['/latest/meta-data/', '/latest/dynamic/'];
  const visited: string[] = [];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    const listing = await call(dir);
    assert.equal(listing.status, 200, dir);
    for (const entry of listing.text.split('\n')) {
      const path = dir + entry;
      visited.push(path);
      if (path === '/latest/meta-data/iam/') continue;
      if (entry.endsWith('/')) pending.push(path);
      else assert.equal((await call(path)).status, 200, path);
    }
  }
  assert.ok(visited.length > 25, `walked ${visited.length} paths`);
  assert.ok(visited.includes('/latest/dynamic/instance-identity/document'));
  assert.ok(visited.includes('/latest/meta-data/placement/availability-zone'));
});

test('instance facts come from the options, with region-derived defaults', async (t) => {
  const { call } = await setup(t, { instanceId: 'i-0abc1234def567890', region: 'eu-west-1', localIpv4: '172.31.5.6' });
  const text = async (path: string) => (await call(`/latest/meta-data/${path}`)).text;
  assert.equal(await text('instance-id'), 'i-0abc1234def567890');
  assert.equal(await text('placement/region'), 'eu-west-1');
  assert.equal(await text('placement/availability-zone'), 'eu-west-1a');
  assert.equal(await text('local-ipv4'), '172.31.5.6');
  assert.equal(await text('hostname'), 'ip-172-31-5-6.eu-west-1.compute.internal');
  assert.equal(await text('services/domain'), 'amazonaws.com');
  assert.equal(await text('services/partition'), 'aws');
});

test('defaults: an i-… instance id, us-east-1, zone us-east-1a, ec2.internal host names', async (t) => {
  const { call } = await setup(t);
  const text = async (path: string) => (await call(`/latest/meta-data/${path}`)).text;
  assert.match(await text('instance-id'), /^i-[0-9a-f]{17}$/);
  assert.equal(await text('placement/availability-zone'), 'us-east-1a');
  assert.match(await text('local-hostname'), /^ip-\d+-\d+-\d+-\d+\.ec2\.internal$/);
  assert.match(await text('ami-id'), /^ami-[0-9a-f]+$/);
});

test('China regions get their own partition and service domain', async (t) => {
  const { call } = await setup(t, { region: 'cn-north-1' });
  assert.equal((await call('/latest/meta-data/services/domain')).text, 'amazonaws.com.cn');
  assert.equal((await call('/latest/meta-data/services/partition')).text, 'aws-cn');
});

// The mock used to know only cn- and us-gov-; it now shares the role resolver's partition rule, so the
// partition it reports is the one role ARNs are built with.
test('GovCloud and isolated regions get the partition role ARNs are built with', async (t) => {
  const cases = [
    ['us-gov-west-1', 'aws-us-gov', 'amazonaws.com'],
    ['us-iso-east-1', 'aws-iso', 'c2s.ic.gov'],
    ['us-isob-east-1', 'aws-iso-b', 'sc2s.sgov.gov'],
  ] as const;
  for (const [region, partition, domain] of cases) {
    assert.equal(partitionOfRegion(region), partition);
    const { call } = await setup(t, { region });
    assert.equal((await call('/latest/meta-data/services/partition')).text, partition, region);
    assert.equal((await call('/latest/meta-data/services/domain')).text, domain, region);
  }
});

test('the instance identity document has the documented keys in IMDS layout, consistent with meta-data', async (t) => {
  const { call } = await setup(t, { instanceId: 'i-0abc1234def567890', region: 'ap-south-1', accountId: '210987654321' });
  const answer = await call('/latest/dynamic/instance-identity/document');
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['content-type'], 'text/plain');
  assert.match(answer.text, /^\{\n {2}"accountId" : "210987654321",\n/);
  assert.match(answer.text, /,\n {2}"kernelId" : null,\n/);
  assert.match(answer.text, /,\n {2}"version" : "2017-09-30"\n\}$/);
  const document = JSON.parse(answer.text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(document), DOCUMENT_KEYS);
  assert.equal(document.instanceId, 'i-0abc1234def567890');
  assert.equal(document.region, 'ap-south-1');
  assert.equal(document.availabilityZone, 'ap-south-1a');
  assert.equal(document.privateIp, (await call('/latest/meta-data/local-ipv4')).text);
  assert.equal(document.imageId, (await call('/latest/meta-data/ami-id')).text);
  assert.equal(document.pendingTime, '2030-01-02T03:04:05Z');
  assert.equal(document.version, '2017-09-30');
  assert.equal(document.kernelId, null);
  assert.equal((await call('/latest/dynamic/')).text, 'instance-identity/');
  assert.equal((await call('/latest/dynamic/instance-identity/')).text, 'document');
});

test('a directory without its trailing slash redirects to it', async (t) => {
  const { call } = await setup(t);
  for (const path of ['/latest', '/latest/meta-data', '/latest/meta-data/placement', '/2016-09-02/dynamic/instance-identity']) {
    const answer = await call(path);
    assert.equal(answer.status, 301, path);
    assert.equal(answer.headers.location, `${path}/`);
    assert.equal(answer.text, '');
  }
});

test('anything not in the tree is IMDS’s 404 page', async (t) => {
  const { call } = await setup(t);
  for (const path of [
    '/latest/meta-data/nope',
    '/latest/meta-data/instance-id/',
    '/latest/meta-data/iam/info',
    '/latest/meta-data/iam/security-credentials/',
    '/latest/meta-data/identity-credentials/ec2/info',
    '/latest/user-data',
    '/latest/api/token',
    '/1999-01-01/meta-data/',
    '/latest/dynamic/instance-identity/pkcs7',
    '/nothing',
  ]) {
    const answer = await call(path);
    assert.equal(answer.status, 404, path);
    assert.equal(answer.headers['content-type'], 'text/html');
    assert.match(answer.text, /<title>404 - Not Found<\/title>/);
  }
});

test('HEAD answers headers only; other methods get 405', async (t) => {
  const { call } = await setup(t);
  const head = await call('/latest/meta-data/instance-id', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '19');
  assert.equal(head.text, '');
  const post = await call('/latest/meta-data/instance-id', 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
});
