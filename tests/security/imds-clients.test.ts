// Real IMDS clients against the whole proxy: the AWS SDK v3's `@smithy/credential-provider-imds` and
// botocore's `InstanceMetadataFetcher` (Debian's python3-botocore). Both do the token PUT, then GETs with
// the token. Neither can bind a source address, so they call from 127.0.0.1, which the mapping gives a role.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fromInstanceMetadata, httpRequest } from '@smithy/credential-provider-imds';
import { startHarness, type Harness } from '../helpers/proxy-harness.js';
import { assertNoHostSecretRequests } from '../helpers/imds-stub.js';

const CLIENT_ADDRESS = '127.0.0.1';
const ROLE = 'client-role';
const PYTHON = '/usr/bin/python3';

/** Asks the proxy for credentials the way botocore does; `v1` makes it a client that never asks for a token. */
const BOTOCORE_SCRIPT = `
import json, sys
from botocore.utils import InstanceMetadataFetcher
base_url, version = sys.argv[1], sys.argv[2]
fetcher = InstanceMetadataFetcher(timeout=5, num_attempts=1, base_url=base_url)
if version == "v1":
    fetcher._fetch_metadata_token = lambda: None
print(json.dumps(fetcher.retrieve_iam_role_credentials()))
`;

interface BotocoreCredentials {
  role_name?: string;
  access_key?: string;
  secret_key?: string;
  token?: string;
  expiry_time?: string;
}

async function botocore(url: string, version: 'v1' | 'v2'): Promise<BotocoreCredentials> {
  // No proxy variables: botocore would otherwise send the requests to an HTTP proxy.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NO_PROXY: '*' };
  const { stdout } = await promisify(execFile)(PYTHON, ['-c', BOTOCORE_SCRIPT, `${url}/`, version], { env, timeout: 30_000 });
  return JSON.parse(stdout) as BotocoreCredentials;
}

function withEndpoint<T>(url: string, run: () => Promise<T>): Promise<T> {
  process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = url;
  return run().finally(() => delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT);
}

function describeMode(mode: 'optional' | 'required'): void {
  describe(`HTTP_TOKENS=${mode}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ env: { HTTP_TOKENS: mode }, mappings: { [CLIENT_ADDRESS]: ROLE } });
    });
    after(async () => {
      assertNoHostSecretRequests(h.imds);
      assert.equal(h.imds.requests.filter((r) => r.method === 'PUT').length, 0, 'token PUTs are answered by the proxy');
      await h.close();
    });

    test('the AWS SDK v3 IMDS provider gets the caller role credentials (token first)', async () => {
      const credentials = await withEndpoint(h.proxy.url, () => fromInstanceMetadata({ ec2MetadataV1Disabled: true, timeout: 5000 })());
      assert.match(credentials.accessKeyId, /^ASIA/);
      assert.ok(credentials.secretAccessKey.length > 0 && credentials.sessionToken !== undefined);
      assert.ok(credentials.expiration instanceof Date && credentials.expiration.getTime() > Date.now());
      const assumed = h.aws.calls.filter((c) => c.action === 'AssumeRole').map((c) => c.params.RoleArn);
      assert.ok(assumed.every((arn) => arn?.endsWith(`:role/${ROLE}`)) && assumed.length > 0);
      assert.ok(!JSON.stringify(credentials).includes(h.imds.marker));
    });

    test('botocore gets the caller role credentials with a token (v2)', async () => {
      const credentials = await botocore(h.proxy.url, 'v2');
      assert.equal(credentials.role_name, ROLE);
      assert.match(credentials.access_key ?? '', /^ASIA/);
      assert.ok(credentials.secret_key && credentials.token && credentials.expiry_time);
    });

    if (mode === 'optional') {
      test('botocore without tokens (v1) gets them too', async () => {
        const credentials = await botocore(h.proxy.url, 'v1');
        assert.equal(credentials.role_name, ROLE);
        assert.match(credentials.access_key ?? '', /^ASIA/);
      });

      test('a v1 request (no token) is answered by the SDK request helper', async () => {
        const listing = await httpRequest({ hostname: '127.0.0.1', port: h.proxy.port, path: '/latest/meta-data/iam/security-credentials/', timeout: 5000 });
        assert.equal(listing.toString(), ROLE);
      });
    } else {
      test('a v1 request (no token) gets 401, from the SDK request helper and from botocore', async () => {
        await assert.rejects(
          httpRequest({ hostname: '127.0.0.1', port: h.proxy.port, path: '/latest/meta-data/iam/security-credentials/', timeout: 5000 }),
          (error: { statusCode?: number }) => error.statusCode === 401,
        );
        assert.deepEqual(await botocore(h.proxy.url, 'v1'), {});
      });
    }

    test("a token minted for one address is refused from another, even on the same role", async () => {
      const mint = await httpRequest({
        hostname: '127.0.0.1',
        port: h.proxy.port,
        method: 'PUT',
        path: '/latest/api/token',
        headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
        timeout: 5000,
      });
      h.writeMappings({ [CLIENT_ADDRESS]: ROLE, '127.0.0.5': ROLE });
      await h.proxy.reload();
      const fromOther = await h.get('127.0.0.5', '/latest/meta-data/iam/security-credentials/', {
        'x-aws-ec2-metadata-token': mint.toString(),
      });
      assert.equal(fromOther.status, 401);
      h.writeMappings({ [CLIENT_ADDRESS]: ROLE });
      await h.proxy.reload();
    });
  });
}

describeMode('optional');
describeMode('required');
