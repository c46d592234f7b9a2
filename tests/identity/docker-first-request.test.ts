// Issue 11: a container whose first action is the credential request sends it before Docker's `start`
// event. Its miss is held until the address is indexed (or the deadline), the container is indexed as
// soon as Docker knows its role and address, and an address never answers for a container that is gone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Workload } from '../../src/identity/workload.js';
import { stubContainer, type StubEvent } from '../helpers/docker-api-stub.js';
import { died, harness, onBridge, started, type Harness } from './docker-harness.js';
import { eventually } from '../helpers/eventually.js';

const created = (id: string): StubEvent => ({ Type: 'container', Action: 'create', Actor: { ID: id } });
const connected = (id: string, network = 'net-bridge'): StubEvent => ({
  Type: 'network',
  Action: 'connect',
  Actor: { ID: network, Attributes: { container: id, name: 'bridge', type: 'bridge' } },
});

/** The bridge's endpoint list, as network inspect shows it once the container has joined. */
function joinBridge(h: Harness, id: string, ip: string): void {
  const bridge = h.stub.networks.find((n) => n.Id === 'net-bridge')!;
  bridge.Containers = { ...bridge.Containers, [id]: { IPv4Address: `${ip}/16`, IPv6Address: '' } };
}

/** A container created (role read) and joined to the bridge (address read), indexed before any start event. */
async function createAndConnect(h: Harness, id: string, ip: string): Promise<void> {
  h.stub.containers.set(id, stubContainer(id, { created: true, env: [`IAM_ROLE=${id}`] }));
  h.stub.emit(created(id));
  await eventually(() => h.inspections(id) === 1, `${id} is inspected`);
  joinBridge(h, id, ip);
  h.stub.emit(connected(id));
  await eventually(() => h.source.lookup(ip) !== undefined, `${id} is indexed ahead of its start`);
}

/** A miss being held, and whether it has been answered yet. */
function held(h: Harness, ip: string): { answer: Promise<Workload | undefined>; settled: () => boolean } {
  let settled = false;
  const answer = h.source.resolveMiss(ip).finally(() => (settled = true));
  return { answer, settled: () => settled };
}

/** Call before prompting a resync; the result waits until that resync has finished. */
function nextResync(h: Harness): () => Promise<void> {
  const before = h.source.status().lastSyncAt;
  return () => eventually(() => h.source.status().lastSyncAt !== before, 'a resync finished');
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('DockerSource: a held miss', () => {
  test('is not ended by a resync that does not list the container yet; the start event answers it', async () => {
    const h = await harness();
    const resynced = nextResync(h);
    const miss = held(h, '172.17.0.6');
    await resynced();
    await turn();
    assert.equal(miss.settled(), false, 'still held after the empty resync');
    h.stub.containers.set('racer', stubContainer('racer', { env: ['IAM_ROLE=racer'], networks: onBridge('172.17.0.6') }));
    h.stub.emit(started('racer'));
    assert.equal((await miss.answer)?.role?.spec, 'racer');
    assert.deepEqual(h.clock.pending(), [], 'the deadline timer is cleared');
  });

  test('gives up at the configured deadline', async () => {
    const h = await harness(() => {}, { missWaitMs: 300 });
    const resynced = nextResync(h);
    const miss = held(h, '172.17.0.7');
    assert.deepEqual(h.clock.pending(), [300]);
    await resynced();
    await h.clock.advance(299);
    await turn();
    assert.equal(miss.settled(), false);
    await h.clock.advance(1);
    assert.equal(await miss.answer, undefined);
  });

  test('several held misses of one address are all answered by one indexing', async () => {
    const h = await harness();
    const misses = [held(h, '172.17.0.8'), held(h, '172.17.0.8'), held(h, '172.17.0.8')];
    h.stub.containers.set('c', stubContainer('c', { env: ['IAM_ROLE=c'], networks: onBridge('172.17.0.8') }));
    h.stub.emit(started('c'));
    const answers = await Promise.all(misses.map((m) => m.answer));
    assert.deepEqual(answers.map((w) => w?.role?.spec), ['c', 'c', 'c']);
    assert.equal(answers[0], answers[2], 'the same workload, so its role and credentials are resolved once');
  });
});

describe('DockerSource: the first-request hold metric', () => {
  test('a held miss whose container is indexed records found and how long it waited', async () => {
    const h = await harness();
    const miss = held(h, '172.17.0.9');
    await h.clock.advance(120);
    assert.deepEqual(h.metrics.holds, [], 'nothing recorded while held');
    h.stub.containers.set('late', stubContainer('late', { env: ['IAM_ROLE=late'], networks: onBridge('172.17.0.9') }));
    h.stub.emit(started('late'));
    assert.equal((await miss.answer)?.role?.spec, 'late');
    assert.deepEqual(h.metrics.holds, [['found', 0.12]]);
  });

  test('a held miss that reaches the deadline records timeout', async () => {
    const h = await harness(() => {}, { missWaitMs: 300 });
    const resynced = nextResync(h);
    const miss = held(h, '172.17.0.10');
    await resynced();
    await h.clock.advance(300);
    assert.equal(await miss.answer, undefined);
    assert.deepEqual(h.metrics.holds, [['timeout', 0.3]]);
  });

  test('a miss answered without a hold, or a hold ended by close, records nothing', async () => {
    const h = await harness((stub) => stub.containers.set('up', stubContainer('up', { env: ['IAM_ROLE=up'], networks: onBridge('172.17.0.11') })));
    assert.equal((await h.source.resolveMiss('172.17.0.11'))?.role?.spec, 'up');
    const miss = held(h, '172.17.0.12');
    await h.source.close();
    assert.equal(await miss.answer, undefined);
    assert.deepEqual(h.metrics.holds, []);
  });
});

describe('DockerSource: indexing before start', () => {
  test('create (role) then connect (address) index the container while Docker still holds its inspect', async () => {
    const h = await harness();
    h.stub.containers.set('early', stubContainer('early', { created: true, env: ['IAM_ROLE=early'] }));
    h.stub.emit(created('early'));
    await eventually(() => h.inspections('early') === 1, 'the created container is inspected');
    // From here Docker is starting it: inspect waits for the start to finish, the endpoint list does not.
    const releaseInspect = h.stub.hold((path) => path === '/containers/early/json');
    const miss = held(h, '172.17.0.9');
    joinBridge(h, 'early', '172.17.0.9');
    h.stub.emit(connected('early'));
    assert.equal((await miss.answer)?.role?.spec, 'early', 'answered before the start event');
    assert.deepEqual(h.changes, ['added early'], 'prefetch starts with the first indexing');
    const beforeStart = h.source.lookup('172.17.0.9');
    assert.equal(beforeStart?.name, 'early');

    h.stub.containers.set('early', stubContainer('early', { env: ['IAM_ROLE=early'], networks: onBridge('172.17.0.9') }));
    h.stub.emit(started('early'));
    releaseInspect();
    await eventually(() => h.source.lookup('172.17.0.9') !== beforeStart, 'the start is inspected');
    assert.equal(h.source.lookup('172.17.0.9')?.role?.spec, 'early');
    assert.deepEqual(h.changes, ['added early'], 'same role: no second prefetch');
  });

  test('a resync that does not list a container indexed ahead of its start keeps it', async () => {
    const h = await harness();
    await createAndConnect(h, 'slow', '172.17.0.12');
    const resynced = nextResync(h);
    const miss = held(h, '172.17.0.99'); // prompts a resync, which lists no running container
    await resynced();
    assert.equal(h.source.lookup('172.17.0.12')?.name, 'slow');
    await h.clock.advance(1000);
    assert.equal(await miss.answer, undefined);
  });

  test('an endpoint read before the create-time inspect answers waits for the role', async () => {
    const h = await harness();
    h.stub.containers.set('late', stubContainer('late', { created: true, env: ['IAM_ROLE=late'] }));
    const releaseInspect = h.stub.hold((path) => path === '/containers/late/json');
    h.stub.emit(created('late'));
    joinBridge(h, 'late', '172.17.0.10');
    const miss = held(h, '172.17.0.10');
    h.stub.emit(connected('late'));
    await eventually(() => h.stub.requests.includes('/networks/net-bridge'), 'the endpoint list is read');
    await turn();
    assert.equal(miss.settled(), false, 'an address without a role is not an answer');
    releaseInspect();
    assert.equal((await miss.answer)?.role?.spec, 'late');
  });

  test('a connect event of a running container adds its new address from the endpoint list', async () => {
    const h = await harness((stub) => stub.containers.set('a', stubContainer('a', { env: ['IAM_ROLE=a'], networks: onBridge('172.17.0.2') })));
    const backend = h.stub.networks.find((n) => n.Id === 'net-backend')!;
    backend.Containers = { a: { IPv4Address: '172.18.0.5/16' } };
    const releaseInspect = h.stub.hold((path) => path === '/containers/a/json');
    h.stub.emit(connected('a', 'net-backend'));
    await eventually(() => h.source.lookup('172.18.0.5')?.name === 'a', 'the new address is indexed from the endpoint list');
    assert.equal(h.source.lookup('172.17.0.2')?.name, 'a', 'the other network is kept');
    releaseInspect();
  });
});

describe('DockerSource: address reuse under holds', () => {
  test("a request from a dead container's address waits for the new container and never gets the old role", async () => {
    const h = await harness((stub) => stub.containers.set('old', stubContainer('old', { env: ['IAM_ROLE=old'], networks: onBridge('172.17.0.2') })));
    assert.equal(h.source.lookup('172.17.0.2')?.role?.spec, 'old');
    h.stub.containers.delete('old');
    h.stub.emit(died('old'));
    await eventually(() => h.source.lookup('172.17.0.2') === undefined, 'the die is handled');
    const resynced = nextResync(h);
    const miss = held(h, '172.17.0.2');
    await resynced();
    await turn();
    assert.equal(miss.settled(), false, 'held, not answered with the old or no container');
    h.stub.containers.set('new', stubContainer('new', { created: true, env: ['IAM_ROLE=new'] }));
    h.stub.emit(created('new'));
    joinBridge(h, 'new', '172.17.0.2');
    h.stub.emit(connected('new'));
    assert.equal((await miss.answer)?.role?.spec, 'new');
  });

  test('a container that dies before it runs takes its early address with it', async () => {
    const h = await harness();
    await createAndConnect(h, 'brief', '172.17.0.11');
    h.stub.emit(died('brief'));
    await eventually(() => h.source.lookup('172.17.0.11') === undefined, 'gone with its die');
    assert.deepEqual(h.changes, ['added brief', 'removed brief']);
    const miss = held(h, '172.17.0.11');
    await h.clock.advance(1000);
    assert.equal(await miss.answer, undefined, 'a gone container is never an answer');
  });

  test("an endpoint answer overtaken by the container's die is not applied", async () => {
    const h = await harness();
    h.stub.containers.set('x', stubContainer('x', { created: true, env: ['IAM_ROLE=x'] }));
    h.stub.emit(created('x'));
    await eventually(() => h.inspections('x') === 1, 'inspected');
    joinBridge(h, 'x', '172.17.0.13');
    const releaseEndpoints = h.stub.hold((path) => path === '/networks/net-bridge');
    h.stub.emit(connected('x'));
    await eventually(() => h.stub.requests.includes('/networks/net-bridge'), 'the endpoint list is asked for');
    h.stub.emit(died('x'));
    h.stub.emit({ Type: 'container', Action: 'rename', Actor: { ID: 'marker' } });
    await eventually(() => h.inspections('marker') === 1, 'the die was handled');
    releaseEndpoints();
    h.stub.containers.set('z', stubContainer('z', { networks: onBridge('172.17.0.99') }));
    h.stub.emit(started('z'));
    await eventually(() => h.source.lookup('172.17.0.99') !== undefined, 'later events are handled');
    assert.equal(h.source.lookup('172.17.0.13'), undefined);
    assert.ok(!h.changes.includes('added x'));
  });

  test('after the event stream was lost, an address answers only for the container a resync finds there', async () => {
    const h = await harness((stub) => stub.containers.set('before', stubContainer('before', { env: ['IAM_ROLE=before'], networks: onBridge('172.17.0.2') })), { reconnectMinMs: 60_000 });
    await h.stub.stop();
    await eventually(() => !h.source.isReady(), 'the loss is noticed');
    assert.equal(h.source.lookup('172.17.0.2'), undefined, 'not from the hot path');
    // Docker comes back with the address on another container; no event about it was seen.
    h.stub.containers.delete('before');
    h.stub.containers.set('after', stubContainer('after', { env: ['IAM_ROLE=after'], networks: onBridge('172.17.0.2') }));
    await h.stub.listen();
    assert.equal((await h.source.resolveMiss('172.17.0.2'))?.role?.spec, 'after');
    assert.equal(h.source.lookup('172.17.0.2')?.role?.spec, 'after', 'the resync made the index current again');
  });
});
