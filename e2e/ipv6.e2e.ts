// Containers on an IPv6-enabled Docker bridge (dockerd --ipv6 --fixed-cidr-v6 on a ULA prefix) reach the
// proxy at IMDS's IPv6 address, http://[fd00:ec2::254], through the ip6tables DNAT that
// `metadataproxy iptables --apply --ipv6` adds, and are told apart by their IPv6 address.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from './lab/lab.js';
import { containerAddress, removeContainer, runOnce, startContainer, type Container } from './lab/containers.js';
import { askMetadata6, ncMetadataCommand, parseRawAnswer, type RawAnswer } from './lab/nc-metadata.js';
import { CREDENTIALS_PATH, assertIssuedFor, roleArn, type ImdsCredentials } from './lab/metadata.js';

const SDK_CLIENT = fileURLToPath(new URL('./fixtures/sdk-client.js', import.meta.url));

function expectStatus(answer: RawAnswer, status: number, what: string): string {
  assert.equal(answer.status, status, `${what}: ${answer.error || answer.body}`);
  return answer.body;
}

interface Container6 extends Container {
  ip6: string;
}

describe('IPv6 containers at http://[fd00:ec2::254]', { timeout: 600_000 }, () => {
  let lab: Lab;

  before(async () => {
    lab = await createLab({ ipv6: true });
    await lab.proxy.start({ env: { LOG_FORMAT: 'json' } });
  });
  after(() => lab?.destroy());

  async function start6(role: string): Promise<Container6> {
    const container = await startContainer(lab.engine, { env: { IAM_ROLE: role } });
    return { ...container, ip6: await containerAddress(lab.engine, container.id, true) };
  }

  /** Listing, credentials and a foreign role over IPv6, IMDSv1 or IMDSv2 style. */
  async function assertOwnRole6(container: Container, role: string, foreign: string, token: boolean): Promise<void> {
    const how = token ? 'IMDSv2' : 'IMDSv1';
    assert.equal(expectStatus(await askMetadata6(lab.engine, container.id, CREDENTIALS_PATH, token), 200, `${how} listing`), role);
    const credentials = JSON.parse(expectStatus(await askMetadata6(lab.engine, container.id, CREDENTIALS_PATH + role, token), 200, how)) as ImdsCredentials;
    assert.equal(credentials.Code, 'Success');
    await assertIssuedFor(lab.agent, roleArn(role), credentials.AccessKeyId);
    expectStatus(await askMetadata6(lab.engine, container.id, CREDENTIALS_PATH + foreign, token), 404, `${how} asking for ${foreign}`);
  }

  it('gives each container its own role over IPv6, with IMDSv1 and with IMDSv2 tokens', () =>
    lab.withLogs(async () => {
      const blue = await start6('v6-blue');
      const green = await start6('v6-green');
      assert.match(blue.ip6, /^fd00:d0c:/, 'precondition: the container has an address in the lab prefix');
      for (const token of [false, true]) {
        await assertOwnRole6(blue, 'v6-blue', 'v6-green', token);
        await assertOwnRole6(green, 'v6-green', 'v6-blue', token);
      }
      const callers = (await lab.proxy.status()).callers.map((entry) => entry.caller);
      assert.ok(callers.includes(blue.ip6) && callers.includes(blue.ip), 'both addresses of the container are indexed');
    }));

  it('gives a real AWS SDK client in IPv6 endpoint mode its role through [fd00:ec2::254]', () =>
    lab.withLogs(async () => {
      // The host's node and node_modules in the container's own network (DESIGN.md, Test lab).
      const result = await runOnce(
        lab.engine,
        { env: { IAM_ROLE: 'sdk-v6', HOME: '/nonexistent', AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv6' }, options: ['--volume', '/:/host:ro'] },
        ['chroot', '/host', process.execPath, SDK_CLIENT],
        120_000,
      );
      assert.equal(result.code, 0, `sdk client failed:\n${result.stderr}`);
      await assertIssuedFor(lab.agent, roleArn('sdk-v6'), (JSON.parse(result.stdout) as { accessKeyId: string }).accessKeyId);
      // The SDK's token PUT and credential GETs all came from the container's IPv6 address.
      const requests = readFileSync(lab.proxy.logFile, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"msg":"request"'))
        .map((line) => JSON.parse(line) as { caller: string; container?: string; path: string })
        .filter((entry) => entry.path.startsWith('/latest/'));
      const sdkRequests = requests.slice(requests.findIndex((entry) => entry.path === '/latest/api/token' && entry.caller.startsWith('fd00:d0c:')));
      assert.ok(sdkRequests.length >= 3, `token, listing and credentials over IPv6; saw ${JSON.stringify(requests.slice(-5))}`);
      for (const entry of sdkRequests) assert.match(entry.caller, /^fd00:d0c:/, `${entry.path} came over IPv6`);
    }));

  it("gives a reused IPv6 address the new container's role, never the old one's", () =>
    lab.withLogs(async () => {
      let previous = await start6('v6-reuse-0');
      for (let round = 1; round <= 3; round++) {
        await removeContainer(lab.engine, previous.id);
        let next = await start6(`v6-reuse-${round}`);
        for (let attempt = 0; next.ip6 !== previous.ip6 && attempt < 5; attempt++) {
          await removeContainer(lab.engine, next.id);
          next = await start6(`v6-reuse-${round}`);
        }
        assert.equal(next.ip6, previous.ip6, `round ${round}: the new container did not get the freed IPv6 address`);
        await assertOwnRole6(next, `v6-reuse-${round}`, `v6-reuse-${round - 1}`, false);
        previous = next;
      }
      await removeContainer(lab.engine, previous.id);
    }));

  it('answers a reused IPv6 address correctly on the very first request, made as the container starts (10 rounds)', () =>
    lab.withLogs(async () => {
      for (let round = 0; round < 10; round++) {
        const holder = await start6(`v6-holder-${round}`);
        assert.equal(expectStatus(await askMetadata6(lab.engine, holder.id, CREDENTIALS_PATH), 200, 'holder'), `v6-holder-${round}`);
        await removeContainer(lab.engine, holder.id);
        // The request races the container's start event: the proxy must wait for its index, not guess.
        const result = await runOnce(lab.engine, { env: { IAM_ROLE: `v6-successor-${round}` } }, [
          'sh', '-c', `ip -6 -o addr show dev eth0 scope global; ${ncMetadataCommand(CREDENTIALS_PATH)}`,
        ]);
        assert.ok(result.stdout.includes(` ${holder.ip6}/`), `round ${round}: precondition, same address: ${result.stdout}`);
        const answer = parseRawAnswer({ ...result, stdout: result.stdout.slice(Math.max(0, result.stdout.indexOf('HTTP/1.'))) });
        assert.equal(expectStatus(answer, 200, `round ${round}`), `v6-successor-${round}`);
      }
    }));
});
