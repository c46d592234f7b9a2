// Real containers on a real engine reach the proxy at 169.254.169.254 through the production DNAT rule,
// and each one gets its own role, whatever the form it is written in — and nothing else.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, type Lab } from './lab/lab.js';
import { askMetadata, startContainer, wget, type Container } from './lab/containers.js';
import { BUSYBOX_IMAGE } from './lab/busybox-image.js';
import { PROXY_PORT } from './lab/proxy.js';
import { CREDENTIALS_PATH, assertNotFound, assertServedRole, roleArn } from './lab/metadata.js';

const REPORTS_ARN = roleArn('reports-reader');

describe('containers and their roles', { timeout: 300_000 }, () => {
  let lab: Lab;
  let appA: Container;
  let appB: Container;
  let reports: Container;
  let noRole: Container;

  before(async () => {
    lab = await createLab();
    await lab.proxy.start({ configFile: { aliasToARN: { reports: REPORTS_ARN } } });
    appA = await startContainer(lab.engine, { env: { IAM_ROLE: 'app-a' } });
    appB = await startContainer(lab.engine, { env: { IAM_ROLE: 'app-b@210987654321' } });
    reports = await startContainer(lab.engine, { labels: { 'ec2metaproxy.RoleAlias': 'reports' } });
    noRole = await startContainer(lab.engine);
  });
  after(() => lab?.destroy());

  it('serves each container its own role: IAM_ROLE name, IAM_ROLE name@account, RoleAlias label', () =>
    lab.withLogs(async () => {
      const a = await assertServedRole(lab.engine, lab.agent, appA.id, { name: 'app-a', arn: roleArn('app-a') });
      const b = await assertServedRole(lab.engine, lab.agent, appB.id, { name: 'app-b', arn: roleArn('app-b', '210987654321') });
      const r = await assertServedRole(lab.engine, lab.agent, reports.id, { name: 'reports-reader', arn: REPORTS_ARN });
      assert.equal(new Set([a.AccessKeyId, b.AccessKeyId, r.AccessKeyId]).size, 3);
    }));

  it("answers 404 when a container asks for another container's role", () =>
    lab.withLogs(async () => {
      assertNotFound(await askMetadata(lab.engine, appA.id, `${CREDENTIALS_PATH}app-b`), 'app-a asking for app-b');
      assertNotFound(await askMetadata(lab.engine, appB.id, `${CREDENTIALS_PATH}app-a`), 'app-b asking for app-a');
      assertNotFound(await askMetadata(lab.engine, noRole.id, `${CREDENTIALS_PATH}app-a`), 'no-role asking for app-a');
    }));

  it('answers 404 to a container without a role when there is no default role', () =>
    lab.withLogs(async () => {
      assertNotFound(await askMetadata(lab.engine, noRole.id, CREDENTIALS_PATH), 'role listing without a role');
    }));

  it('finds a container on a user-defined bridge network', () =>
    lab.withLogs(async () => {
      await lab.engine.docker(['network', 'create', 'mdp-net']);
      const onNet = await startContainer(lab.engine, { network: 'mdp-net', env: { IAM_ROLE: 'on-user-net' } });
      assert.doesNotMatch(onNet.ip, /^172\.17\./, 'the container should be on its own bridge, not docker0');
      await assertServedRole(lab.engine, lab.agent, onNet.id, { name: 'on-user-net', arn: roleArn('on-user-net') });
    }));

  it("gives a host-network container no role: it shares the host's address, so it gets 404, not someone else's role", () =>
    lab.withLogs(async () => {
      const id = (
        await lab.engine.docker(['run', '--detach', '--network', 'host', '--env', 'IAM_ROLE=host-net', BUSYBOX_IMAGE, 'sleep', '3600'])
      ).trim();
      // No DNAT applies to the host's own traffic, so it asks the proxy where it listens.
      const ask = async (path: string) => {
        const result = await lab.engine.dockerResult(['exec', id, ...wget(`http://${lab.gateway}:${PROXY_PORT}${path}`)]);
        return { ok: result.code === 0, body: result.stdout, error: result.stderr };
      };
      assertNotFound(await ask(CREDENTIALS_PATH), 'host-network container listing its role');
      assertNotFound(await ask(`${CREDENTIALS_PATH}host-net`), 'host-network container asking for its IAM_ROLE');
      assertNotFound(await ask(`${CREDENTIALS_PATH}app-a`), "host-network container asking for app-a's role");
    }));

  it('serves the default role to a container without one when DEFAULT_ROLE is set', () =>
    lab.withLogs(async () => {
      await lab.proxy.restart({ env: { DEFAULT_ROLE: 'fallback' }, configFile: { aliasToARN: { reports: REPORTS_ARN } } });
      await assertServedRole(lab.engine, lab.agent, noRole.id, { name: 'fallback', arn: roleArn('fallback') });
      // A container's own role still wins over the default.
      await assertServedRole(lab.engine, lab.agent, appA.id, { name: 'app-a', arn: roleArn('app-a') });
    }));
});
