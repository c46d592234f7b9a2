// Issue 11: a container whose command IS the credential request (busybox wget, no sleep) sends it before
// Docker's `start` event. Repeated on fresh containers, one by one and ten at a time with different roles,
// on the default bridge and on a user-defined bridge: every one must get its own role, from the one
// AssumeRole that prefetch and the held request share. Without the hold most of these get 404.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createLab, type Lab } from './lab/lab.js';
import { runOnce, wgetMetadata } from './lab/containers.js';
import { CREDENTIALS_PATH, roleArn, type ImdsCredentials } from './lab/metadata.js';

const RUNS = 50;
const PARALLEL = 10;
const USER_NETWORK = 'first-user';

interface Outcome {
  role: string;
  ok: boolean;
  detail: string;
}

describe('first request of a container whose command is the request', { timeout: 1_200_000 }, () => {
  let lab: Lab;

  before(async () => {
    lab = await createLab();
    await lab.engine.docker(['network', 'create', USER_NETWORK]);
    await lab.proxy.start({ env: { LOG_FORMAT: 'json' } });
  });
  after(() => lab?.destroy());

  async function firstRequest(role: string, network?: string): Promise<Outcome> {
    const spec = network === undefined ? { env: { IAM_ROLE: role } } : { env: { IAM_ROLE: role }, network };
    const result = await runOnce(lab.engine, spec, wgetMetadata(CREDENTIALS_PATH + role));
    if (result.code !== 0) return { role, ok: false, detail: `exit ${result.code}: ${result.stderr.trim()}` };
    try {
      const credentials = JSON.parse(result.stdout) as ImdsCredentials;
      const issued = (await lab.agent.assumeRoleCalls(roleArn(role))).map((call) => call.issuedKeyId);
      if (!issued.includes(credentials.AccessKeyId)) return { role, ok: false, detail: `key ${credentials.AccessKeyId} was not issued for ${role}` };
      return { role, ok: true, detail: '' };
    } catch (error) {
      return { role, ok: false, detail: `not credentials: ${result.stdout.slice(0, 200)} (${String(error)})` };
    }
  }

  async function assertAllServed(outcomes: Outcome[], what: string): Promise<void> {
    const failed = outcomes.filter((o) => !o.ok);
    console.log(`${what}: ${outcomes.length - failed.length}/${outcomes.length} got their role`);
    assert.deepEqual(failed, [], `${what}: ${failed.length}/${outcomes.length} did not get their role`);
    // Prefetch and the held first request share one AssumeRole.
    for (const { role } of outcomes) {
      const calls = (await lab.agent.assumeRoleCalls(roleArn(role))).length;
      assert.equal(calls, 1, `${role}: ${calls} AssumeRole calls`);
    }
  }

  const networks: Array<[string, string | undefined]> = [['default bridge', undefined], ['user-defined bridge', USER_NETWORK]];
  for (const [label, network] of networks) {
    const tag = network === undefined ? 'b' : 'u';

    it(`${RUNS} fresh containers one after another, on the ${label}`, () =>
      lab.withLogs(async () => {
        const outcomes: Outcome[] = [];
        for (let i = 0; i < RUNS; i++) outcomes.push(await firstRequest(`first-${tag}-seq-${i}`, network));
        await assertAllServed(outcomes, `sequential, ${label}`);
      }));

    it(`${RUNS} fresh containers ${PARALLEL} at a time with different roles, on the ${label}`, () =>
      lab.withLogs(async () => {
        const outcomes: Outcome[] = [];
        for (let batch = 0; batch < RUNS / PARALLEL; batch++) {
          const roles = Array.from({ length: PARALLEL }, (_, i) => `first-${tag}-par-${batch * PARALLEL + i}`);
          outcomes.push(...(await Promise.all(roles.map((role) => firstRequest(role, network)))));
        }
        await assertAllServed(outcomes, `parallel, ${label}`);
      }));
  }

  it('reports how long the first requests were held', () => {
    const held = readFileSync(lab.proxy.logFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"msg":"request"') && line.includes('/first-'))
      .map((line) => JSON.parse(line) as { heldMs?: number; status: number })
      .filter((entry) => entry.status === 200);
    const holds = held.map((entry) => entry.heldMs ?? 0).sort((a, b) => a - b);
    const at = (q: number): number => holds[Math.min(holds.length - 1, Math.floor(q * holds.length))] ?? 0;
    console.log(
      `first-request holds (ms, ${holds.length} requests, ${held.filter((e) => e.heldMs !== undefined).length} held): ` +
        `p50 ${at(0.5).toFixed(1)}, p99 ${at(0.99).toFixed(1)}, max ${(holds.at(-1) ?? 0).toFixed(1)}`,
    );
    assert.equal(holds.length, RUNS * 4, 'every first request was logged');
  });
});
