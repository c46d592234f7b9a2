// What an application in a container experiences: the real AWS SDK finds its role's credentials through
// its default provider chain, and the first request of a new container is already warm.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from './lab/lab.js';
import { runOnce, startContainer, wgetMetadata } from './lab/containers.js';
import { waitFor } from './lab/exec.js';
import { CREDENTIALS_PATH, assertIssuedFor, credentialsFor, roleArn } from './lab/metadata.js';

const SDK_CLIENT = fileURLToPath(new URL('./fixtures/sdk-client.js', import.meta.url));

describe('applications in containers', { timeout: 300_000 }, () => {
  let lab: Lab;

  before(async () => {
    lab = await createLab();
    await lab.proxy.start();
  });
  after(() => lab?.destroy());

  it("answers a new container's first request from credentials fetched when it started", () =>
    lab.withLogs(async () => {
      const arn = roleArn('prefetched');
      const container = await startContainer(lab.engine, { env: { IAM_ROLE: 'prefetched' } });
      const [prefetch] = await waitFor('the AssumeRole prompted by the start event', async () => {
        const calls = await lab.agent.assumeRoleCalls(arn);
        return calls.length > 0 ? calls : undefined;
      });
      const requestedAt = Date.now();
      const credentials = await credentialsFor(lab.engine, container.id, 'prefetched');
      const calls = await lab.agent.assumeRoleCalls(arn);
      assert.equal(calls.length, 1, 'no AssumeRole on the request path');
      assert.ok(prefetch!.at < requestedAt, 'the AssumeRole happened before the request');
      assert.equal(credentials.AccessKeyId, prefetch!.issuedKeyId);
    }));

  async function sdkCredentials(role: string): Promise<string> {
    // The host's node and node_modules, run inside the container's own network (DESIGN.md, Test lab).
    // HOME points nowhere so no ~/.aws of the machine's user is read; no AWS_* variables are set.
    const result = await runOnce(
      lab.engine,
      { env: { IAM_ROLE: role, HOME: '/nonexistent' }, options: ['--volume', '/:/host:ro'] },
      ['chroot', '/host', process.execPath, SDK_CLIENT],
      120_000,
    );
    assert.equal(result.code, 0, `sdk client failed:\n${result.stderr}`);
    return (JSON.parse(result.stdout) as { accessKeyId: string }).accessKeyId;
  }

  it("gives the real AWS SDK's default provider chain the container's role credentials", () =>
    lab.withLogs(async () => {
      await assertIssuedFor(lab.agent, roleArn('sdk-app'), await sdkCredentials('sdk-app'));
    }));

  it('serves the SDK through IMDSv2 when tokens are required, and refuses a tokenless request', () =>
    lab.withLogs(async () => {
      await lab.proxy.restart({ env: { HTTP_TOKENS: 'required' } });
      await assertIssuedFor(lab.agent, roleArn('sdk-v2'), await sdkCredentials('sdk-v2'));
      const v1 = await runOnce(lab.engine, { env: { IAM_ROLE: 'sdk-v2' } }, wgetMetadata(CREDENTIALS_PATH));
      assert.notEqual(v1.code, 0, `a request without a token was answered: ${v1.stdout}`);
      assert.match(v1.stderr, /\b401\b/);
    }));
});
