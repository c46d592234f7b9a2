// A metadata tree answered locally, for hosts that are not on EC2 (MOCK_API): the same paths, listing format
// and bodies a real instance in a private subnet gives (no public-hostname / public-ipv4). The tree is the
// same under every API version. `iam/` is listed but answered by the proxy itself, never here.
import { systemClock, type Clock } from '../core/clock.js';
import type { MetadataBackend } from './backend.js';
import { reply, replyNotFound } from './answers.js';
import { imdsJson, imdsTimestamp } from '../imds/answers.js';
import { partitionOfRegion } from '../roles/resolver.js';

export interface MockImdsOptions {
  /** MOCKED_INSTANCE_ID. */
  instanceId?: string;
  /** AWS_REGION; the zone defaults to `<region>a`. */
  region?: string;
  availabilityZone?: string;
  accountId?: string;
  instanceType?: string;
  imageId?: string;
  localIpv4?: string;
  mac?: string;
  /** The identity document's pendingTime is the moment the mock starts. */
  clock?: Clock;
}

/** API versions real IMDS lists at `/`; each serves the tree. */
export const IMDS_VERSIONS = [
  '1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01',
  '2009-04-04', '2011-01-01', '2011-05-01', '2012-01-12', '2014-02-25', '2014-11-05', '2015-10-20',
  '2016-04-19', '2016-06-30', '2016-09-02', '2018-03-28', '2018-08-17', '2018-09-24', '2019-10-01',
  '2020-10-27', '2021-01-03', '2021-03-23', '2021-07-15', '2022-09-24', 'latest',
] as const;

/** Listed in the meta-data directory, answered by the proxy's own routes. */
const PROXY_OWNED = Symbol('answered by the proxy');
type Tree = { [name: string]: string | Tree | typeof PROXY_OWNED };

type Answer = { kind: 'text'; body: Buffer } | { kind: 'redirect' };

/** Each partition's DNS suffix, as `services/domain` answers it; the partition comes from the roles module. */
const SERVICES_DOMAIN: Readonly<Record<string, string>> = {
  'aws-cn': 'amazonaws.com.cn',
  'aws-iso': 'c2s.ic.gov',
  'aws-iso-b': 'sc2s.sgov.gov',
  'aws-iso-e': 'cloud.adc-e.uk',
  'aws-iso-f': 'csp.hci.ic.gov',
};

function buildTree(options: MockImdsOptions): Tree {
  const region = options.region ?? 'us-east-1';
  const availabilityZone = options.availabilityZone ?? `${region}a`;
  const instanceId = options.instanceId ?? 'i-0123456789abcdef0';
  const accountId = options.accountId ?? '123456789012';
  const instanceType = options.instanceType ?? 't3.micro';
  const imageId = options.imageId ?? 'ami-0123456789abcdef0';
  const localIpv4 = options.localIpv4 ?? '10.0.0.10';
  const mac = options.mac ?? '0a:00:00:00:00:01';
  const pendingTime = imdsTimestamp(new Date((options.clock ?? systemClock).now()));
  // EC2's private DNS names: us-east-1 uses ec2.internal, every other region <region>.compute.internal.
  const domain = region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`;
  const hostname = `ip-${localIpv4.replaceAll('.', '-')}.${domain}`;
  const partition = partitionOfRegion(region);
  const servicesDomain = SERVICES_DOMAIN[partition] ?? 'amazonaws.com';

  return {
    dynamic: {
      'instance-identity': {
        document: imdsJson(Object.entries({
          accountId,
          architecture: 'x86_64',
          availabilityZone,
          billingProducts: null,
          devpayProductCodes: null,
          marketplaceProductCodes: null,
          imageId,
          instanceId,
          instanceType,
          kernelId: null,
          pendingTime,
          privateIp: localIpv4,
          ramdiskId: null,
          region,
          version: '2017-09-30',
        })),
      },
    },
    'meta-data': {
      'ami-id': imageId,
      'ami-launch-index': '0',
      'ami-manifest-path': '(unknown)',
      'block-device-mapping': { ami: '/dev/xvda', root: '/dev/xvda' },
      hostname,
      iam: PROXY_OWNED,
      'instance-action': 'none',
      'instance-id': instanceId,
      'instance-life-cycle': 'on-demand',
      'instance-type': instanceType,
      'local-hostname': hostname,
      'local-ipv4': localIpv4,
      mac,
      network: {
        interfaces: {
          macs: {
            [mac]: { 'device-number': '0', 'local-hostname': hostname, 'local-ipv4s': localIpv4, mac, 'owner-id': accountId },
          },
        },
      },
      placement: { 'availability-zone': availabilityZone, region },
      profile: 'default-hvm',
      'reservation-id': `r-${instanceId.replace(/^i-/, '')}`,
      'security-groups': 'default',
      services: { domain: servicesDomain, partition },
    },
  };
}

/** Every path below a version, e.g. `meta-data/placement/region`, with its answer; directories also without '/'. */
function indexTree(tree: Tree, at: string, into: Map<string, Answer>): Map<string, Answer> {
  const listing = Object.entries(tree).map(([name, node]) => (typeof node === 'string' ? name : `${name}/`));
  into.set(at, { kind: 'text', body: Buffer.from(listing.join('\n')) });
  for (const [name, node] of Object.entries(tree)) {
    if (node === PROXY_OWNED) continue;
    if (typeof node === 'string') {
      into.set(at + name, { kind: 'text', body: Buffer.from(node) });
    } else {
      into.set(at + name, { kind: 'redirect' });
      indexTree(node, `${at}${name}/`, into);
    }
  }
  return into;
}

export function createMockImds(options: MockImdsOptions = {}): MetadataBackend {
  const versions = new Set<string>(IMDS_VERSIONS);
  const versionList = Buffer.from(IMDS_VERSIONS.join('\n'));
  const tree = buildTree(options);
  const answers = indexTree(tree, '', new Map());
  // The version's own listing is the one place IMDS names directories without a trailing slash.
  answers.set('', { kind: 'text', body: Buffer.from(Object.keys(tree).join('\n')) });

  function answerOf(path: string): Answer | undefined {
    if (path === '/') return { kind: 'text', body: versionList };
    const slash = path.indexOf('/', 1);
    const version = path.slice(1, slash < 0 ? undefined : slash);
    if (!versions.has(version)) return undefined;
    return slash < 0 ? { kind: 'redirect' } : answers.get(path.slice(slash + 1));
  }

  return {
    async handle(req, res, path) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return reply(req, res, 405, '', { 'content-type': 'text/plain', allow: 'GET, HEAD' });
      const answer = answerOf(path);
      if (answer === undefined) return replyNotFound(req, res);
      // A directory asked for without its trailing slash redirects to it, as IMDS does for iam/security-credentials.
      if (answer.kind === 'redirect') return reply(req, res, 301, '', { 'content-type': 'text/plain', location: `${path}/` });
      reply(req, res, 200, answer.body);
    },
    async close() {},
  };
}
