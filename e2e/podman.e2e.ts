// Rootful Podman as the engine: `podman system service` (its Docker-compatible API) in the lab's namespace,
// containers made with the podman CLI on a CNI bridge whose IMDS traffic `metadataproxy iptables` sends to
// the proxy. The proxy finds out by itself that it talks to Podman (CONTAINER_ENGINE=auto).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPodmanLab, type Lab } from './lab/lab.js';
import { join } from 'node:path';
import type { PodmanEngine } from './lab/podman-engine.js';
import { LateEvents } from './lab/late-events.js';
import { askMetadata, removeContainer, runOnce, startContainer, wgetMetadata } from './lab/containers.js';
import { CREDENTIALS_PATH, assertNotFound, assertServedRole, listedRole, roleArn, type ImdsCredentials } from './lab/metadata.js';

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

  /** A holder on `ip`, asked once, removed; then a successor on `ip` whose command is the request. */
  async function reuseRound(ip: string, tag: string): Promise<string | undefined> {
    const holder = await startContainer(lab.engine, { env: { IAM_ROLE: `pod-holder-${tag}` }, options: at(ip) });
    assert.equal(await listedRole(lab.engine, holder.id), `pod-holder-${tag}`);
    // Podman frees the address before its events say the holder went (they come up to a poll interval
    // after `podman rm` returns): the successor's first request must still not get the holder's role.
    await removeContainer(lab.engine, holder.id);
    const result = await runOnce(lab.engine, { env: { IAM_ROLE: `pod-successor-${tag}` }, options: at(ip) }, [
      'sh', '-c', `ip -4 -o addr show eth0; ${wgetMetadata(CREDENTIALS_PATH).join(' ')}`,
    ]);
    assert.match(result.stdout, new RegExp(`inet ${ip.replaceAll('.', '\\.')}/`), `${tag}: precondition, same address`);
    const served = result.code === 0 ? result.stdout.trim().split('\n').at(-1) : undefined;
    return served === `pod-successor-${tag}` ? undefined : `${tag}: ${served ?? `exit ${result.code}: ${result.stderr.trim()}`}`;
  }

  it('answers a reused address correctly on the very first request, made as the container starts (10 rounds)', () =>
    lab.withLogs(async () => {
      const wrong: string[] = [];
      for (let round = 0; round < 10; round++) {
        const answer = await reuseRound('10.88.200.20', String(round));
        if (answer !== undefined) wrong.push(answer);
      }
      assert.deepEqual(wrong, [], 'successors not served their own role');
    }));

  it('does the same on 4 reused addresses at a time (5 rounds)', () =>
    lab.withLogs(async () => {
      const wrong: string[] = [];
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all([0, 1, 2, 3].map((slot) => reuseRound(`10.88.201.${10 + slot}`, `p${round}-${slot}`)));
        wrong.push(...answers.filter((answer) => answer !== undefined));
      }
      assert.deepEqual(wrong, [], 'successors not served their own role');
    }));

  it("never gives a removed container's role to its address's next container, even with Podman's events 5 s late (10 rounds)", () =>
    lab.withLogs(async () => {
      const late = await LateEvents.start(lab.engine.socketPath, join(lab.dir, 'late-events.sock'), 5_000);
      try {
        await lab.proxy.restart({ env: { DOCKER_URL: late.url } });
        const wrong: string[] = [];
        for (let round = 0; round < 10; round++) {
          const answer = await reuseRound('10.88.202.20', `late-${round}`);
          if (answer !== undefined) wrong.push(answer);
        }
        assert.deepEqual(wrong, [], 'successors not served their own role');
      } finally {
        await lab.proxy.restart();
        late.close();
      }
    }));

  it('gives fresh containers whose command is the request their own role (20 one by one, 20 ten at a time)', () =>
    lab.withLogs(async () => {
      const first = async (role: string): Promise<string | undefined> => {
        const result = await runOnce(lab.engine, { env: { IAM_ROLE: role } }, wgetMetadata(CREDENTIALS_PATH + role));
        if (result.code !== 0) return `${role}: exit ${result.code}: ${result.stderr.trim()}`;
        const { AccessKeyId } = JSON.parse(result.stdout) as ImdsCredentials;
        const issued = (await lab.agent.assumeRoleCalls(roleArn(role))).map((call) => call.issuedKeyId);
        return issued.includes(AccessKeyId) ? undefined : `${role}: key not issued for it`;
      };
      const wrong: Array<string | undefined> = [];
      for (let i = 0; i < 20; i++) wrong.push(await first(`pod-first-seq-${i}`));
      for (let batch = 0; batch < 2; batch++) {
        wrong.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => first(`pod-first-par-${batch * 10 + i}`)))));
      }
      assert.deepEqual(wrong.filter((w) => w !== undefined), []);
    }));
});
