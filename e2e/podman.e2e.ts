// Rootful Podman as the engine: `podman system service` (its Docker-compatible API) in the lab's namespace,
// containers made with the podman CLI on a CNI bridge whose IMDS traffic `metadataproxy iptables` sends to
// the proxy. The proxy finds out by itself that it talks to Podman (CONTAINER_ENGINE=auto).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPodmanLab, type Lab } from './lab/lab.js';
import type { PodmanEngine } from './lab/podman-engine.js';
import { askMetadata, removeContainer, runOnce, startContainer, wgetMetadata } from './lab/containers.js';
import { CREDENTIALS_PATH, assertNotFound, assertServedRole, listedRole, roleArn } from './lab/metadata.js';

const served = (name: string) => ({ name, arn: roleArn(name) });
/** host-local hands out addresses in turn, never the one just freed: reuse is asked for with --ip. */
const at = (ip: string) => ['--ip', ip];

describe('containers of a rootful Podman', { timeout: 600_000 }, () => {
  let lab: Lab<PodmanEngine>;

  before(async () => {
    lab = await createPodmanLab();
    await lab.proxy.start();
  });
  after(() => lab?.destroy());

  it('recognises Podman from its /version answer and gives each container its own role, and only its own', () =>
    lab.withLogs(async () => {
      assert.match(lab.proxy.logTail(), /container engine: podman/);
      const red = await startContainer(lab.engine, { env: { IAM_ROLE: 'pod-red' } });
      const blue = await startContainer(lab.engine, { env: { IAM_ROLE: 'pod-blue' }, labels: { team: 'b' } });
      const bare = await startContainer(lab.engine);
      await assertServedRole(lab.engine, lab.agent, red.id, served('pod-red'));
      await assertServedRole(lab.engine, lab.agent, blue.id, served('pod-blue'));
      assertNotFound(await askMetadata(lab.engine, red.id, `${CREDENTIALS_PATH}pod-blue`), 'red asking for blue');
      assertNotFound(await askMetadata(lab.engine, bare.id, CREDENTIALS_PATH), 'a container without a role');
      for (const container of [red, blue, bare]) await removeContainer(lab.engine, container.id);
    }));

  it("forgets a removed container at once (Podman's `remove` event) and gives its reused address the new container's role", () =>
    lab.withLogs(async () => {
      const ip = '10.88.200.10';
      let previous = await startContainer(lab.engine, { env: { IAM_ROLE: 'pod-reuse-0' }, options: at(ip) });
      assert.equal(previous.ip, ip, 'precondition: the address asked for');
      for (let round = 1; round <= 4; round++) {
        await removeContainer(lab.engine, previous.id);
        const next = await startContainer(lab.engine, { env: { IAM_ROLE: `pod-reuse-${round}` }, options: at(ip) });
        await assertServedRole(lab.engine, lab.agent, next.id, served(`pod-reuse-${round}`));
        assertNotFound(await askMetadata(lab.engine, next.id, `${CREDENTIALS_PATH}pod-reuse-${round - 1}`), `round ${round}: old role`);
        previous = next;
      }
      await removeContainer(lab.engine, previous.id);
    }));

  it('answers a reused address correctly on the very first request, made as the container starts (10 rounds)', () =>
    lab.withLogs(async () => {
      const ip = '10.88.200.20';
      for (let round = 0; round < 10; round++) {
        const holder = await startContainer(lab.engine, { env: { IAM_ROLE: `pod-holder-${round}` }, options: at(ip) });
        assert.equal(await listedRole(lab.engine, holder.id), `pod-holder-${round}`);
        await removeContainer(lab.engine, holder.id);
        // The request races the container's start event: the proxy must wait for its index, not guess.
        const result = await runOnce(lab.engine, { env: { IAM_ROLE: `pod-successor-${round}` }, options: at(ip) }, wgetMetadata(CREDENTIALS_PATH));
        assert.equal(result.code, 0, `round ${round}: ${result.stderr}`);
        assert.equal(result.stdout.trim(), `pod-successor-${round}`, `round ${round}`);
      }
    }));
});
