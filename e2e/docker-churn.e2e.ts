// The index under churn on a real engine: an address reused by a new container belongs to the new one
// at once, and a dockerd restart is followed without restarting the proxy.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, type Lab } from './lab/lab.js';
import {
  askMetadata,
  askMetadataWithoutDocker,
  containerPid,
  removeContainer,
  runOnce,
  startContainer,
  wgetMetadata,
  type Container,
} from './lab/containers.js';
import { CREDENTIALS_PATH, assertNotFound, assertServedRole, listedRole, roleArn } from './lab/metadata.js';

const served = (name: string) => ({ name, arn: roleArn(name) });

describe('the container index under churn', { timeout: 300_000 }, () => {
  let lab: Lab;

  before(async () => {
    // live-restore: containers outlive the dockerd restart, so "known containers keep being served" is testable.
    lab = await createLab({ liveRestore: true });
    await lab.proxy.start();
  });
  after(() => lab?.destroy());

  it("gives a reused address the new container's role, never the old one's", () =>
    lab.withLogs(async () => {
      let previous: Container = await startContainer(lab.engine, { env: { IAM_ROLE: 'reuse-0' } });
      assert.equal(await listedRole(lab.engine, previous.id), 'reuse-0');
      for (let round = 1; round <= 4; round++) {
        const role = `reuse-${round}`;
        const oldRole = `reuse-${round - 1}`;
        await removeContainer(lab.engine, previous.id);
        let next = await startContainer(lab.engine, { env: { IAM_ROLE: role } });
        // Docker hands out the lowest free address; a few tries cover a slower release.
        for (let attempt = 0; next.ip !== previous.ip && attempt < 5; attempt++) {
          await removeContainer(lab.engine, next.id);
          next = await startContainer(lab.engine, { env: { IAM_ROLE: role } });
        }
        assert.equal(next.ip, previous.ip, `round ${round}: the new container did not get the freed address`);
        await assertServedRole(lab.engine, lab.agent, next.id, served(role));
        assertNotFound(await askMetadata(lab.engine, next.id, CREDENTIALS_PATH + oldRole), `round ${round}: old role`);
        previous = next;
      }
    }));

  it('answers a reused address correctly on the very first request, made as the container starts', () =>
    lab.withLogs(async () => {
      const holder = await startContainer(lab.engine, { env: { IAM_ROLE: 'first-holder' } });
      assert.equal(await listedRole(lab.engine, holder.id), 'first-holder');
      await removeContainer(lab.engine, holder.id);
      // The request races the container's start event: the proxy must wait for its index, not guess.
      const result = await runOnce(lab.engine, { env: { IAM_ROLE: 'second-holder' } }, [
        'sh', '-c', `ip -4 -o addr show eth0; ${wgetMetadata(CREDENTIALS_PATH).join(' ')}`,
      ]);
      assert.match(result.stdout, new RegExp(`inet ${holder.ip.replaceAll('.', '\\.')}/`), 'precondition: same address');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /second-holder\s*$/);
      assert.doesNotMatch(result.stdout, /first-holder/);
    }));

  it('follows a dockerd restart without restarting the proxy', () =>
    lab.withLogs(async () => {
      const survivor = await startContainer(lab.engine, { env: { IAM_ROLE: 'survivor' } });
      const doomed = await startContainer(lab.engine, { env: { IAM_ROLE: 'doomed' } });
      assert.equal(await listedRole(lab.engine, survivor.id), 'survivor');
      assert.equal(await listedRole(lab.engine, doomed.id), 'doomed');
      const survivorPid = await containerPid(lab.engine, survivor.id);
      const doomedPid = await containerPid(lab.engine, doomed.id);

      lab.engine.stopDockerd();
      await lab.proxy.untilReadiness(503);
      // Docker is unreachable: known containers keep being served.
      const whileDown = await askMetadataWithoutDocker(survivorPid, CREDENTIALS_PATH);
      assert.ok(whileDown.ok, `survivor while dockerd is down: ${whileDown.error}`);
      assert.equal(whileDown.body.trim(), 'survivor');
      // A container dies while nobody is watching the event stream.
      process.kill(doomedPid, 'SIGKILL');
      await lab.engine.startDockerd();
      await lab.proxy.untilReadiness(200);

      // The resync forgot the dead container, kept the survivor; its address goes to a new container.
      const indexed = (await lab.proxy.status()).callers.map((caller) => caller.containerId);
      assert.ok(indexed.includes(survivor.id), 'survivor still indexed');
      assert.ok(!indexed.includes(doomed.id), 'the container that died while Docker was down is forgotten');
      const successor = await startContainer(lab.engine, { env: { IAM_ROLE: 'successor' } });
      assert.equal(successor.ip, doomed.ip, "precondition: the successor reuses the dead container's address");
      await assertServedRole(lab.engine, lab.agent, successor.id, served('successor'));
      assertNotFound(await askMetadata(lab.engine, successor.id, `${CREDENTIALS_PATH}doomed`), 'successor asking for doomed');
      await assertServedRole(lab.engine, lab.agent, survivor.id, served('survivor'));
      assert.equal(lab.proxy.running(), true, 'the proxy was not restarted');
    }));
});
